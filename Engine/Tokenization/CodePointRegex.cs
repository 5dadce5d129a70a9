using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// A Hugging Face split pattern that .NET matches on code points, as Rust's <c>onig</c> and <c>fancy-regex</c> do.
/// .NET's <c>\p{L}</c>, <c>[^\s\p{L}\p{N}]</c> and the like test one UTF-16 code unit, so a letter or digit outside the
/// Basic Multilingual Plane (𝐛, 𠮷, 𝟙), a surrogate pair, would never be a letter or digit, and a negated class would
/// match its two halves as punctuation. Every character class (<c>[...]</c>, <c>\p{X}</c>, <c>\s</c>/<c>\d</c>/<c>\w</c>
/// and their negations, <c>.</c>) becomes <c>(?:class without surrogates|pair of a member)</c>, so quantifiers count
/// code points (<c>\p{N}{1,3}</c> takes three digits 𝟙𝟚𝟛, not one and a half). A class that no supplementary
/// character can match is left exactly as written.
/// </summary>
/// <remarks>
/// <para>
/// Which pairs are members comes from <see cref="CharUnicodeInfo"/>, the Unicode data .NET's own classes use. Listing
/// them in the pattern takes hundreds of alternatives per class and makes matching ~30x slower, so the pattern is instead
/// matched against <see cref="CategoryText"/>: the same text with each pair's high surrogate replaced by one that names
/// the pair's general category, and a class's pairs become <c>[category surrogates][\uDC00-\uDFFF]</c>. A pattern that
/// writes supplementary characters itself (a literal, or a class range above U+FFFF) needs the code points, not just
/// their categories: it gets the listed alternatives and matches the text as is (only literals outside classes; a class
/// naming such characters is rejected, as .NET itself rejects most of them).
/// </para>
/// <para>
/// Text matched must hold no unpaired surrogates (<see cref="ReplaceUnpairedSurrogates"/>): Rust strings cannot, and the
/// UTF-8 conversion every caller of Hugging Face's tokenizers goes through makes them U+FFFD.
/// </para>
/// </remarks>
internal sealed class CodePointRegex
{
    private const int FirstSupplementary = 0x10000;
    private const int LastCodePoint = 0x10FFFF;
    private const string Surrogates = @"\uD800-\uDFFF";
    private const char FirstCategorySurrogate = '\uD800';

    // Listed pairs per character class, by the class as written: tokenizers of one family share their patterns.
    private static readonly ConcurrentDictionary<string, string> SupplementaryAlternations = new(StringComparer.Ordinal);

    private static readonly Lazy<(int[] Starts, UnicodeCategory[] Categories)> SupplementaryCategoryRuns = new(ComputeCategoryRuns);

    private CodePointRegex(Regex regex, bool matchesCategoryText)
    {
        Regex = regex;
        MatchesCategoryText = matchesCategoryText;
    }

    /// <summary>The rewritten pattern.</summary>
    public Regex Regex { get; }

    /// <summary>Whether <see cref="Regex"/> is to be run on <see cref="CategoryText"/> rather than on the text itself.</summary>
    public bool MatchesCategoryText { get; }

    /// <summary>A regex that applies <paramref name="pattern"/> to code points.</summary>
    /// <exception cref="ArgumentException">The pattern is not valid .NET syntax.</exception>
    /// <exception cref="NotSupportedException">A character class names characters above U+FFFF, or uses class subtraction.</exception>
    public static CodePointRegex Create(string pattern, RegexOptions options)
    {
        if (Rewrite(pattern, byCategory: true) is { } byCategory)
        {
            return new CodePointRegex(new Regex(byCategory, options), matchesCategoryText: true);
        }
        return new CodePointRegex(new Regex(Rewrite(pattern, byCategory: false)!, options), matchesCategoryText: false);
    }

    /// <summary>
    /// The text with the high surrogate of each pair replaced by U+D800 + the pair's <see cref="UnicodeCategory"/>: same
    /// length, same positions, so matches found in it are matches in the text. The text itself when it has no pairs.
    /// </summary>
    public static string CategoryText(string text)
    {
        var first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDBFF');
        if (first < 0)
        {
            return text;
        }
        var copy = text.ToCharArray();
        for (var i = first; i + 1 < copy.Length; i++)
        {
            if (char.IsHighSurrogate(copy[i]) && char.IsLowSurrogate(copy[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(copy[i], copy[i + 1]));
                copy[i] = (char)(FirstCategorySurrogate + (int)category);
                i++;
            }
        }
        return new string(copy);
    }

    /// <summary>
    /// The pattern with each character class extended to the surrogate pairs of its supplementary members: by category
    /// (for <see cref="CategoryText"/>), or null when the pattern names supplementary characters; else listed.
    /// </summary>
    internal static string? Rewrite(string pattern, bool byCategory)
    {
        var output = new StringBuilder(pattern.Length * 2);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '[')
            {
                var end = ParseClass(pattern, i, out var characterClass);
                if (characterClass.NamesSupplementaryCharacters)
                {
                    // .NET would read such a class as code units (and reject a range between two pairs), and matching by
                    // category cannot tell the code points apart.
                    throw new NotSupportedException($"A character class naming characters above U+FFFF is not supported in split patterns: {pattern}");
                }
                i = AppendClass(output, pattern, pattern[i..end], characterClass, end, byCategory);
            }
            else if (c == '\\' && i + 1 < pattern.Length && TryParseClassEscape(pattern, i, out var escapeEnd, out var item))
            {
                i = AppendClass(output, pattern, pattern[i..escapeEnd], new CharacterClass(false, [item]), escapeEnd, byCategory);
            }
            else if (c == '\\')
            {
                // Any other escape (\r, \uXXXX, \b, \k<name>, ...) stays as written; what follows the escaped character is
                // ordinary pattern text.
                output.Append(pattern, i, Math.Min(2, pattern.Length - i));
                i += 2;
            }
            else if (c == '.')
            {
                // Dot: any character but \n, in .NET as in Oniguruma's default syntax.
                i = AppendClass(output, pattern, ".", new CharacterClass(true, [ClassItem.Range('\n', '\n')]), i + 1, byCategory);
            }
            else if (c == '(' && pattern.AsSpan(i).StartsWith("(?#"))
            {
                var close = pattern.IndexOf(')', i);
                var end = close < 0 ? pattern.Length : close + 1;
                output.Append(pattern, i, end - i);
                i = end;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
            {
                if (byCategory)
                {
                    return null;
                }
                // A literal supplementary character: one atom, so that a quantifier after it repeats the whole pair.
                output.Append("(?:").Append(pattern, i, 2).Append(')');
                i += 2;
            }
            else
            {
                output.Append(c);
                i++;
            }
        }
        return output.ToString();
    }

    /// <summary>The text with each unpaired surrogate replaced by U+FFFD, as a conversion to UTF-8 replaces it.</summary>
    public static string ReplaceUnpairedSurrogates(string text)
    {
        var firstSurrogate = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (firstSurrogate < 0)
        {
            return text;
        }
        char[]? copy = null;
        for (var i = firstSurrogate; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
            {
                continue;
            }
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }

    /// <summary>Appends a class as code points; returns where the pattern continues (after a loop quantifier it consumed).</summary>
    private static int AppendClass(StringBuilder output, string pattern, string written, CharacterClass characterClass, int next, bool byCategory)
    {
        var supplementary = byCategory
            ? CategoryAlternation(characterClass)
            : SupplementaryAlternations.GetOrAdd(written, _ => SupplementaryAlternation(characterClass));
        var matchesSurrogateUnits = characterClass.MatchesAnySurrogateUnit();
        if (supplementary.Length == 0 && !matchesSurrogateUnits)
        {
            output.Append(written);
            return next;
        }
        var bmp = !matchesSurrogateUnits ? written
            : written == "." ? @"[^\n" + Surrogates + "]"
            // A negated class: surrogate code units join what it excludes (first, unless a literal ']' comes first).
            : written.StartsWith("[^", StringComparison.Ordinal) ? (written[2] == ']' ? written[..^1] + Surrogates + "]" : "[^" + Surrogates + written[2..])
            // .NET class subtraction; a bare escape such as \S or \P{L} becomes a class first.
            : "[" + (written[0] == '[' ? written[1..^1] : written) + "-[" + Surrogates + "]]";
        if (supplementary.Length == 0)
        {
            output.Append(bmp);
            return next;
        }
        var pair = $"(?:{supplementary})";
        // A greedy * or + over (?:bmp|pair) would run the alternation once per character. Unrolled as bmp*(?:pair bmp*)*
        // the common case stays a tight loop over a set; the two parts start differently (a pair with a high surrogate,
        // which bmp excludes), so each length has one parse and backtracking gives back one character at a time, as before.
        var quantifier = next < pattern.Length ? pattern[next] : '\0';
        var greedyLoop = quantifier is '*' or '+' && (next + 1 >= pattern.Length || pattern[next + 1] is not ('?' or '+'));
        if (greedyLoop && quantifier == '*')
        {
            output.Append($"(?:{bmp}*(?:{pair}{bmp}*)*)");
            return next + 1;
        }
        if (greedyLoop)
        {
            output.Append($"(?:{bmp}+(?:{pair}{bmp}*)*|(?:{pair}{bmp}*)+)");
            return next + 1;
        }
        output.Append($"(?:{bmp}|{pair})");
        return next;
    }

    /// <summary>The pairs of <see cref="CategoryText"/> whose category is in the class, e.g. <c>[\uD800-\uD804][\uDC00-\uDFFF]</c>.</summary>
    private static string CategoryAlternation(CharacterClass characterClass)
    {
        var highs = new StringBuilder();
        foreach (var category in SupplementaryCategoryRuns.Value.Categories.Distinct().Order())
        {
            // Explicit ranges end below U+10000 here, so only the category decides.
            if (characterClass.Contains(FirstSupplementary, category))
            {
                highs.Append(Escape(FirstCategorySurrogate + (int)category));
            }
        }
        return highs.Length == 0 ? "" : $"[{highs}][\\uDC00-\\uDFFF]";
    }

    /// <summary>
    /// Alternatives matching the surrogate pair of each supplementary code point in the class: one per run of high
    /// surrogates that share the same set of low surrogates, e.g. <c>\uD835[\uDC00-\uDC54\uDC56-\uDC9C]</c>.
    /// </summary>
    private static string SupplementaryAlternation(CharacterClass characterClass)
    {
        var (starts, categories) = SupplementaryCategoryRuns.Value;
        // Low-surrogate ranges for each high surrogate, as text: equal texts for neighbouring highs are merged.
        var lowsByHigh = new StringBuilder[1024];
        for (var run = 0; run < starts.Length; run++)
        {
            var end = run + 1 < starts.Length ? starts[run + 1] : LastCodePoint + 1;
            var codePoint = starts[run];
            while (codePoint < end)
            {
                // Within a category run only the explicit ranges can change membership; step to the next boundary.
                var member = characterClass.Contains(codePoint, categories[run]);
                var next = Math.Min(end, characterClass.NextRangeBoundary(codePoint));
                if (member)
                {
                    AppendLowRanges(lowsByHigh, codePoint, next - 1);
                }
                codePoint = next;
            }
        }
        var alternatives = new List<string>();
        var high = 0;
        while (high < 1024)
        {
            var lows = lowsByHigh[high]?.ToString();
            var last = high;
            while (last + 1 < 1024 && lowsByHigh[last + 1]?.ToString() == lows)
            {
                last++;
            }
            if (lows is not null)
            {
                var highs = last == high ? Escape(0xD800 + high) : $"[{Escape(0xD800 + high)}-{Escape(0xD800 + last)}]";
                alternatives.Add($"{highs}[{lows}]");
            }
            high = last + 1;
        }
        return string.Join('|', alternatives);
    }

    private static void AppendLowRanges(StringBuilder?[] lowsByHigh, int first, int last)
    {
        for (var codePoint = first; codePoint <= last;)
        {
            var high = (codePoint - FirstSupplementary) >> 10;
            var endOfHigh = Math.Min(last, FirstSupplementary + ((high + 1) << 10) - 1);
            var lows = lowsByHigh[high] ??= new StringBuilder();
            var firstLow = 0xDC00 + ((codePoint - FirstSupplementary) & 0x3FF);
            var lastLow = 0xDC00 + ((endOfHigh - FirstSupplementary) & 0x3FF);
            lows.Append(Escape(firstLow));
            if (lastLow != firstLow)
            {
                lows.Append('-').Append(Escape(lastLow));
            }
            codePoint = endOfHigh + 1;
        }
    }

    private static string Escape(int codeUnit) => $"\\u{codeUnit:X4}";

    private static (int[], UnicodeCategory[]) ComputeCategoryRuns()
    {
        var starts = new List<int>();
        var categories = new List<UnicodeCategory>();
        for (var codePoint = FirstSupplementary; codePoint <= LastCodePoint; codePoint++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
            if (categories.Count == 0 || categories[^1] != category)
            {
                starts.Add(codePoint);
                categories.Add(category);
            }
        }
        return (starts.ToArray(), categories.ToArray());
    }

    /// <summary>Parses <c>[...]</c> starting at <paramref name="start"/>; returns the index after its closing bracket.</summary>
    private static int ParseClass(string pattern, int start, out CharacterClass characterClass)
    {
        var i = start + 1;
        var negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }
        var items = new List<ClassItem>();
        var first = true;
        while (true)
        {
            if (i >= pattern.Length)
            {
                throw new ArgumentException($"Unterminated character class in split pattern: {pattern}");
            }
            var c = pattern[i];
            // A ']' right after '[' or '[^' is a literal, in .NET as in Oniguruma.
            if (c == ']' && !first)
            {
                characterClass = new CharacterClass(negated, items);
                return i + 1;
            }
            first = false;
            if (c == '-' && i + 1 < pattern.Length && pattern[i + 1] == '[')
            {
                throw new NotSupportedException($"Character class subtraction is not supported in split patterns: {pattern}");
            }
            if (c == '\\' && TryParseClassEscape(pattern, i, out var escapeEnd, out var escapeItem))
            {
                items.Add(escapeItem);
                i = escapeEnd;
                continue;
            }
            var low = ParseClassCharacter(pattern, ref i);
            if (i + 1 < pattern.Length && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i++;
                var high = ParseClassCharacter(pattern, ref i);
                items.Add(ClassItem.Range(low, high));
            }
            else
            {
                items.Add(ClassItem.Range(low, low));
            }
        }
    }

    /// <summary>One character of a class (literal, surrogate pair or escape) as a code point; advances past it.</summary>
    private static int ParseClassCharacter(string pattern, ref int i)
    {
        var c = pattern[i];
        if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
        {
            i += 2;
            return char.ConvertToUtf32(c, pattern[i - 1]);
        }
        if (c != '\\' || i + 1 >= pattern.Length)
        {
            i++;
            return c;
        }
        var escaped = pattern[i + 1];
        i += 2;
        switch (escaped)
        {
            case 'u' when i + 4 <= pattern.Length:
                i += 4;
                return int.Parse(pattern.AsSpan(i - 4, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            case 'x' when i + 2 <= pattern.Length:
                i += 2;
                return int.Parse(pattern.AsSpan(i - 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            case 'c' when i < pattern.Length:
                i++;
                return char.ToUpperInvariant(pattern[i - 1]) - '@';
            case 't': return '\t';
            case 'n': return '\n';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return '\v';
            case 'a': return '\a';
            case 'e': return '\u001B';
            case 'b': return '\b';
            case '0': return '\0';
            default: return escaped;
        }
    }

    /// <summary>Parses <c>\p{X}</c>, <c>\P{X}</c>, <c>\s \S \d \D \w \W</c> at <paramref name="start"/>.</summary>
    private static bool TryParseClassEscape(string pattern, int start, out int end, out ClassItem item)
    {
        end = start + 2;
        item = default;
        if (start + 1 >= pattern.Length)
        {
            return false;
        }
        var kind = pattern[start + 1];
        switch (kind)
        {
            case 'p' or 'P':
                var close = pattern.IndexOf('}', start);
                if (start + 2 >= pattern.Length || pattern[start + 2] != '{' || close < 0)
                {
                    return false;
                }
                end = close + 1;
                item = ClassItem.Categories(CategoryMask(pattern[(start + 3)..close]), negated: kind == 'P');
                return true;
            case 's' or 'S':
                item = ClassItem.Categories(WhitespaceCategories, negated: kind == 'S');
                return true;
            case 'd' or 'D':
                item = ClassItem.Categories(Mask(UnicodeCategory.DecimalDigitNumber), negated: kind == 'D');
                return true;
            case 'w' or 'W':
                item = ClassItem.Categories(WordCategories, negated: kind == 'W');
                return true;
            default:
                return false;
        }
    }

    // Outside the BMP these are exact: no supplementary character is white space, and .NET's \w is [\p{L}\p{Mn}\p{Nd}\p{Pc}].
    private static readonly uint WhitespaceCategories = Mask(UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator);
    private static readonly uint WordCategories = CategoryMask("L") | Mask(UnicodeCategory.NonSpacingMark, UnicodeCategory.DecimalDigitNumber, UnicodeCategory.ConnectorPunctuation);

    private static uint Mask(params UnicodeCategory[] categories) => categories.Aggregate(0u, (mask, c) => mask | 1u << (int)c);

    /// <summary>The general categories a <c>\p{name}</c> names. Other names .NET accepts are BMP blocks: no supplementary members.</summary>
    private static uint CategoryMask(string name) => name switch
    {
        "L" => Mask(UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter, UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter),
        "Lu" => Mask(UnicodeCategory.UppercaseLetter),
        "Ll" => Mask(UnicodeCategory.LowercaseLetter),
        "Lt" => Mask(UnicodeCategory.TitlecaseLetter),
        "Lm" => Mask(UnicodeCategory.ModifierLetter),
        "Lo" => Mask(UnicodeCategory.OtherLetter),
        "M" => Mask(UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark),
        "Mn" => Mask(UnicodeCategory.NonSpacingMark),
        "Mc" => Mask(UnicodeCategory.SpacingCombiningMark),
        "Me" => Mask(UnicodeCategory.EnclosingMark),
        "N" => Mask(UnicodeCategory.DecimalDigitNumber, UnicodeCategory.LetterNumber, UnicodeCategory.OtherNumber),
        "Nd" => Mask(UnicodeCategory.DecimalDigitNumber),
        "Nl" => Mask(UnicodeCategory.LetterNumber),
        "No" => Mask(UnicodeCategory.OtherNumber),
        "Z" => Mask(UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator),
        "Zs" => Mask(UnicodeCategory.SpaceSeparator),
        "Zl" => Mask(UnicodeCategory.LineSeparator),
        "Zp" => Mask(UnicodeCategory.ParagraphSeparator),
        "C" => Mask(UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse, UnicodeCategory.OtherNotAssigned),
        "Cc" => Mask(UnicodeCategory.Control),
        "Cf" => Mask(UnicodeCategory.Format),
        "Cs" => Mask(UnicodeCategory.Surrogate),
        "Co" => Mask(UnicodeCategory.PrivateUse),
        "Cn" => Mask(UnicodeCategory.OtherNotAssigned),
        "P" => Mask(UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation, UnicodeCategory.ClosePunctuation,
            UnicodeCategory.InitialQuotePunctuation, UnicodeCategory.FinalQuotePunctuation, UnicodeCategory.OtherPunctuation),
        "Pc" => Mask(UnicodeCategory.ConnectorPunctuation),
        "Pd" => Mask(UnicodeCategory.DashPunctuation),
        "Ps" => Mask(UnicodeCategory.OpenPunctuation),
        "Pe" => Mask(UnicodeCategory.ClosePunctuation),
        "Pi" => Mask(UnicodeCategory.InitialQuotePunctuation),
        "Pf" => Mask(UnicodeCategory.FinalQuotePunctuation),
        "Po" => Mask(UnicodeCategory.OtherPunctuation),
        "S" => Mask(UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol, UnicodeCategory.OtherSymbol),
        "Sm" => Mask(UnicodeCategory.MathSymbol),
        "Sc" => Mask(UnicodeCategory.CurrencySymbol),
        "Sk" => Mask(UnicodeCategory.ModifierSymbol),
        "So" => Mask(UnicodeCategory.OtherSymbol),
        _ => 0,
    };

    /// <summary>One member of a class: general categories (possibly negated) or a code point range.</summary>
    private readonly record struct ClassItem(uint CategoryMask, bool Negated, int First, int Last)
    {
        public static ClassItem Categories(uint mask, bool negated) => new(mask, negated, -1, -2);

        public static ClassItem Range(int first, int last) => new(0, false, first, last);

        public bool IsRange => First >= 0;

        public bool Contains(int codePoint, UnicodeCategory category) => IsRange
            ? codePoint >= First && codePoint <= Last
            : ((CategoryMask >> (int)category & 1) != 0) != Negated;
    }

    private sealed record CharacterClass(bool Negated, IReadOnlyList<ClassItem> Items)
    {
        public bool Contains(int codePoint, UnicodeCategory category)
        {
            var any = false;
            foreach (var item in Items)
            {
                any |= item.Contains(codePoint, category);
            }
            return any != Negated;
        }

        public bool MatchesAnySurrogateUnit()
        {
            for (var unit = 0xD800; unit <= 0xDFFF; unit++)
            {
                if (Contains(unit, UnicodeCategory.Surrogate))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Whether an explicit member (literal or range end) lies above the BMP.</summary>
        public bool NamesSupplementaryCharacters => Items.Any(item => item.IsRange && item.Last >= FirstSupplementary);

        /// <summary>The smallest code point after <paramref name="codePoint"/> where an explicit range starts or ends.</summary>
        public int NextRangeBoundary(int codePoint)
        {
            var next = int.MaxValue;
            foreach (var item in Items)
            {
                if (item.IsRange && item.First > codePoint)
                {
                    next = Math.Min(next, item.First);
                }
                if (item.IsRange && item.Last + 1 > codePoint)
                {
                    next = Math.Min(next, item.Last + 1);
                }
            }
            return next;
        }
    }
}
