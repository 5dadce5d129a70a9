using System.Text;
using Cluster.Constraints.Automata;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Text;

namespace Cluster.Constraints.Tests;

public sealed class Utf8AutomatonTests
{
    private static ByteAutomaton Compile(Grammar grammar) => new(new LazyDfa(NfaBuilder.Build(grammar, null)));

    [Fact]
    public void AnyCodePointClassAcceptsExactlyWellFormedUtf8()
    {
        var automaton = Compile(Grammar.Repeat(new CodePointClassNode(CodePointSet.All), 0, null));
        var strict = new UTF8Encoding(false, true);
        var random = new Random(3);
        var bytes = new byte[6];
        for (var i = 0; i < 200_000; i++)
        {
            var length = random.Next(1, bytes.Length + 1);
            for (var k = 0; k < length; k++) bytes[k] = (byte)(random.Next(4) == 0 ? random.Next(256) : random.Next(0x80, 0xF5));
            var span = bytes.AsSpan(0, length);
            bool valid;
            try
            {
                strict.GetString(span);
                valid = true;
            }
            catch (DecoderFallbackException)
            {
                valid = false;
            }
            Assert.True(valid == automaton.IsMatch(span), $"{Convert.ToHexString(span)}: decoder says {valid}");
        }
    }

    [Theory]
    [InlineData(0x80, 0x7FF)]
    [InlineData(0x800, 0xFFFF)]
    [InlineData(0x10000, 0x10FFFF)]
    [InlineData(0x3B1, 0x3C9)]
    [InlineData(0xD7FF, 0xE000)]
    public void CodePointRangesEncodeExactly(int lo, int hi)
    {
        var automaton = Compile(new CodePointClassNode(CodePointSet.Range(lo, hi)));
        for (var c = Math.Max(0, lo - 300); c <= Math.Min(0x10FFFF, hi + 300); c += c > lo + 2000 && c < hi - 2000 ? 997 : 1)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            var inside = c >= lo && c <= hi;
            Assert.True(inside == automaton.IsMatch(char.ConvertFromUtf32(c)), $"U+{c:X4}");
        }
    }
}
