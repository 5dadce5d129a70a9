using System.Globalization;
using Cluster.Constraints.Automata;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.JsonSchema;

namespace Cluster.Constraints.Tests;

public sealed class NumberGrammarTests
{
    private static ByteAutomaton Compile(Grammar grammar) => new(new LazyDfa(NfaBuilder.Build(grammar, null)));

    [Theory]
    [InlineData(-123L, 4567L)]
    [InlineData(0L, 0L)]
    [InlineData(-1000L, -17L)]
    [InlineData(7L, 7L)]
    [InlineData(95L, 1105L)]
    [InlineData(-5L, null)]
    [InlineData(null, 42L)]
    public void IntegerRangesAcceptExactlyTheirMembers(long? lo, long? hi)
    {
        var automaton = Compile(NumberGrammars.Integer(lo, hi));
        for (var n = -3000L; n <= 6000; n++)
        {
            var inside = (lo is null || n >= lo) && (hi is null || n <= hi);
            Assert.True(inside == automaton.IsMatch(n.ToString(CultureInfo.InvariantCulture)), n.ToString(CultureInfo.InvariantCulture));
        }
        Assert.False(automaton.IsMatch("-0"));
        Assert.False(automaton.IsMatch("007"));
        Assert.False(automaton.IsMatch(""));
    }

    [Theory]
    [InlineData(0, false, 1, false)]
    [InlineData(-2, true, 3, true)]
    [InlineData(-40, false, 60, false)]
    [InlineData(5, true, null, false)]
    [InlineData(null, false, -5, false)]
    [InlineData(0, true, 0, false)]
    public void NumberRangesAcceptExactlyTheirMembers(int? lo, bool loExclusive, int? hi, bool hiExclusive)
    {
        var automaton = Compile(NumberGrammars.Number(
            lo is { } l ? new NumberGrammars.Bound(l, loExclusive) : null,
            hi is { } h ? new NumberGrammars.Bound(h, hiExclusive) : null));
        var random = new Random(5);
        for (var i = 0; i < 20_000; i++)
        {
            var value = Math.Round((random.NextDouble() - 0.5) * 200, random.Next(0, 4));
            if (random.Next(10) == 0) value = random.Next(-60, 61);
            foreach (var text in Spellings(value))
            {
                var inside = (lo is null || (loExclusive ? value > lo : value >= lo)) && (hi is null || (hiExclusive ? value < hi : value <= hi));
                Assert.True(inside == automaton.IsMatch(text), $"{text} in ({lo},{loExclusive})..({hi},{hiExclusive})");
            }
        }
    }

    private static IEnumerable<string> Spellings(double value)
    {
        var plain = value.ToString("0.###", CultureInfo.InvariantCulture);
        if (plain == "-0") plain = "0";
        yield return plain;
        if (!plain.Contains('.')) yield return plain + ".0";
        else yield return plain + "0";
    }
}
