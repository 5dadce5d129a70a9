using System.Text.RegularExpressions;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.Tests;

public class CodePointRegexTests
{
    private static string Pieces(string pattern, string text)
    {
        var regex = CodePointRegex.Create(pattern, RegexOptions.CultureInvariant);
        var matched = regex.MatchesCategoryText ? CodePointRegex.CategoryText(text) : text;
        var pieces = new List<string>();
        foreach (var match in regex.Regex.EnumerateMatches(matched))
        {
            pieces.Add(text.Substring(match.Index, match.Length));
        }
        return string.Join("|", pieces);
    }

    [Theory]
    [InlineData("𝐛'll", "𝐛|'ll")]
    [InlineData("𠮷野家's", "𠮷野家|'s")]
    [InlineData("𝟙𝟚𝟛𝟜𝟝", "𝟙𝟚𝟛|𝟜𝟝")]
    [InlineData("12𝟙3", "12𝟙|3")]
    [InlineData("x 😀😀!", "x| 😀😀!")]
    [InlineData("a\u00A0𐐷", "a|\u00A0𐐷")]
    public void Supplementary_letters_and_digits_split_like_their_bmp_kin(string text, string expected) =>
        Assert.Equal(expected, Pieces(TokenizerFixtures.Llama3Pattern, text));

    [Fact]
    public void Classes_without_supplementary_members_are_left_as_written()
    {
        Assert.Equal(@"\s*[\r\n]+|\s+", CodePointRegex.Rewrite(@"\s*[\r\n]+|\s+", byCategory: true));
        Assert.Equal("[a-z]+", CodePointRegex.Rewrite("[a-z]+", byCategory: true));
    }

    [Fact]
    public void A_pattern_naming_supplementary_characters_matches_them_by_code_point()
    {
        var pattern = @"😀+|\p{L}+|.";
        Assert.Null(CodePointRegex.Rewrite(pattern, byCategory: true));
        Assert.False(CodePointRegex.Create(pattern, RegexOptions.None).MatchesCategoryText);
        Assert.Equal("😀😀|😃|𝐛𝐜|1", Pieces(pattern, "😀😀😃𝐛𝐜1"));
        // A class naming them cannot be matched by category, and .NET reads it as code units: rejected, not misread.
        Assert.Throws<NotSupportedException>(() => CodePointRegex.Create("[😀-😂]+", RegexOptions.None));
    }

    [Fact]
    public void Unpaired_surrogates_become_replacement_characters()
    {
        Assert.Equal("a\uFFFDb\uFFFD𝐛\uFFFD", CodePointRegex.ReplaceUnpairedSurrogates("a\uD800b\uDC00𝐛\uD835"));
        var text = "plain";
        Assert.Same(text, CodePointRegex.ReplaceUnpairedSurrogates(text));
        Assert.Same(text, CodePointRegex.CategoryText(text));
    }

    [Fact]
    public void Negated_classes_and_dot_never_split_a_pair()
    {
        Assert.Equal("𝐛|.|😀", Pieces(@"[^.]|\.", "𝐛.😀"));
        Assert.Equal("𝐛|😀|x", Pieces(".", "𝐛😀x"));
        Assert.Equal("a𝐛|😀 ", Pieces(@"\w+|\W+", "a𝐛😀 "));
    }
}
