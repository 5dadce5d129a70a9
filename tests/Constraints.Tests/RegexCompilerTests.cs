namespace Cluster.Constraints.Tests;

public sealed class RegexCompilerTests
{
    [Theory]
    [InlineData(@"abc", "abc", true)]
    [InlineData(@"abc", "abcd", false)]
    [InlineData(@"^abc$", "abc", true)]
    [InlineData(@"a|bc", "bc", true)]
    [InlineData(@"a|bc", "ab", false)]
    [InlineData(@"(?:ab)+", "ababab", true)]
    [InlineData(@"(?:ab)+", "aba", false)]
    [InlineData(@"(ab)*c", "c", true)]
    [InlineData(@"(?<year>\d{4})-\d\d", "2024-07", true)]
    [InlineData(@"a{3}", "aaa", true)]
    [InlineData(@"a{3}", "aa", false)]
    [InlineData(@"a{2,}", "aaaaa", true)]
    [InlineData(@"a{2,}", "a", false)]
    [InlineData(@"a{1,3}b", "aaab", true)]
    [InlineData(@"a{1,3}b", "aaaab", false)]
    [InlineData(@"x?y+z*", "yyy", true)]
    [InlineData(@"x??y+?", "xy", true)]
    [InlineData(@"[a-c]+", "abcab", true)]
    [InlineData(@"[a-c]+", "abd", false)]
    [InlineData(@"[^a-c]+", "xyz", true)]
    [InlineData(@"[^a-c]+", "xaz", false)]
    [InlineData(@"[^a-c]", "é", true)]
    [InlineData(@"\d+\.\d+", "3.14", true)]
    [InlineData(@"\d+\.\d+", "3x14", false)]
    [InlineData(@"\w+\s\w+", "hello world", true)]
    [InlineData(@"\W", "a", false)]
    [InlineData(@"\S+", "a b", false)]
    [InlineData(@".", "\n", false)]
    [InlineData(@".", "中", true)]
    [InlineData(@"\\\.", "\\.", true)]
    [InlineData(@"\n\t", "\n\t", true)]
    [InlineData(@"\u00e9", "é", true)]
    [InlineData(@"\x41", "A", true)]
    [InlineData(@"[\u4e00-\u9fff]+", "中文", true)]
    [InlineData(@"[\u4e00-\u9fff]+", "中a", false)]
    [InlineData(@"[🙂-🙃]", "🙃", true)]
    [InlineData(@"a{,3}", "a{,3}", true)]
    [InlineData(@"[-a]", "-", true)]
    [InlineData(@"[a\-z]", "-", true)]
    [InlineData(@"[a\-z]", "b", false)]
    public void FullMatchSemantics(string pattern, string input, bool expected) =>
        Assert.Equal(expected, RegexCompiler.Compile(pattern).IsMatch(input));

    [Theory]
    [InlineData(@"ab+c", "xxabbbcyy", true)]
    [InlineData(@"ab+c", "xxacyy", false)]
    [InlineData(@"^ab", "abzz", true)]
    [InlineData(@"^ab", "zab", false)]
    [InlineData(@"ab$", "zzab", true)]
    [InlineData(@"ab$", "abz", false)]
    [InlineData(@"^a|b$", "axx", true)]
    [InlineData(@"^a|b$", "xxb", true)]
    [InlineData(@"^a|b$", "xbx", false)]
    public void JsonSchemaPatternsSearchUnlessAnchored(string pattern, string input, bool expected) =>
        Assert.Equal(expected, RegexCompiler.Compile(pattern, jsonSchemaSemantics: true).IsMatch(input));

    [Theory]
    [InlineData(@"(a)\1", "backreference")]
    [InlineData(@"a(?=b)", "lookahead")]
    [InlineData(@"a(?!b)", "lookahead")]
    [InlineData(@"(?<=a)b", "lookbehind")]
    [InlineData(@"(?<!a)b", "lookbehind")]
    [InlineData(@"\bword\b", "word boundary")]
    [InlineData(@"(?i)abc", "inline flags or group modifier")]
    [InlineData(@"\p{L}", "Unicode property class")]
    [InlineData(@"a++", "possessive quantifier")]
    [InlineData(@"a^b", "anchor inside the pattern")]
    public void NonRegularFeaturesAreRejectedByName(string pattern, string feature)
    {
        var error = Assert.Throws<UnsupportedRegexException>(() => RegexCompiler.Compile(pattern));
        Assert.Equal(feature, error.Feature);
    }

    [Fact]
    public void PrefixViabilityTracksTheDfa()
    {
        var automaton = RegexCompiler.Compile(@"[0-9]{3}-[a-z]+");
        Assert.True(automaton.IsViablePrefix("12"u8));
        Assert.True(automaton.IsViablePrefix("123-"u8));
        Assert.False(automaton.IsViablePrefix("12a"u8));
        Assert.False(automaton.IsMatch("123-"u8));
    }
}
