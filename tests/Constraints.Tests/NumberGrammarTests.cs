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
    [InlineData("0", false, "1", false)]
    [InlineData("-2", true, "3", true)]
    [InlineData("-40", false, "60", false)]
    [InlineData("5", true, null, false)]
    [InlineData(null, false, "-5", false)]
    [InlineData("0.5", true, "2.25", false)]
    [InlineData("-1.75", false, "-0.125", true)]
    [InlineData("0.05", false, "0.5", false)]
    [InlineData("-0.3", true, "0.3", true)]
    [InlineData("12.5", false, null, false)]
    public void NumberRangesAcceptExactlyTheirMembers(string? lo, bool loExclusive, string? hi, bool hiExclusive)
    {
        decimal? low = lo is null ? null : decimal.Parse(lo, CultureInfo.InvariantCulture);
        decimal? high = hi is null ? null : decimal.Parse(hi, CultureInfo.InvariantCulture);
        var automaton = Compile(NumberGrammars.Number(
            low is { } l ? new NumberGrammars.Bound(l, loExclusive) : null,
            high is { } h ? new NumberGrammars.Bound(h, hiExclusive) : null));
        var random = new Random(5);
        var values = Enumerable.Range(0, 20_000).Select(_ => (decimal)Math.Round((random.NextDouble() - 0.5) * 200, random.Next(0, 4)))
            .Concat(Enumerable.Range(-600, 1201).Select(i => i / 10m))
            .Concat(Enumerable.Range(-3000, 6001).Select(i => i / 1000m));
        foreach (var value in values)
        {
            var inside = (low is null || (loExclusive ? value > low : value >= low)) && (high is null || (hiExclusive ? value < high : value <= high));
            foreach (var text in Spellings(value))
            {
                Assert.True(inside == automaton.IsMatch(text), $"{text} in ({lo},{loExclusive})..({hi},{hiExclusive})");
            }
        }
    }

    [Fact]
    public void EmptyRangesMatchNothing() =>
        Assert.Throws<UnsatisfiableGrammarException>(() => Compile(NumberGrammars.Number(new NumberGrammars.Bound(0, true), new NumberGrammars.Bound(0, false))));

    private static IEnumerable<string> Spellings(decimal value)
    {
        var plain = value.ToString("0.###", CultureInfo.InvariantCulture);
        if (plain == "-0") plain = "0";
        yield return plain;
        if (!plain.Contains('.')) yield return plain + ".0";
        else yield return plain + "0";
    }
}
