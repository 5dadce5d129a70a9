using System.Runtime.CompilerServices;
using System.Text;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Text;

namespace Cluster.Constraints.Regex;

/// <summary>
/// Parses the regular-expression syntax used by JSON Schema <c>pattern</c> and by users' regexes into a <see cref="Grammar"/>
/// over characters (as UTF-8, or escaped for the inside of a JSON string). Only regular features are accepted:
/// backreferences, lookaround, word boundaries, flags and Unicode property classes raise <see cref="UnsupportedRegexException"/>.
/// </summary>
/// <remarks>
/// Shorthand classes are ASCII (<c>\d</c> = <c>[0-9]</c>, <c>\w</c> = <c>[A-Za-z0-9_]</c>, <c>\s</c> = ASCII whitespace) and their
/// negations are taken within ASCII too; <c>.</c> excludes line terminators. Each choice generates only strings that both
/// ECMAScript and Python-style engines agree match, which is what validators downstream use.
/// </remarks>
internal sealed class RegexParser
{
    /// <summary>How the pattern relates to the whole text.</summary>
    public enum Anchoring
    {
        /// <summary>The whole text must match (structured_outputs.regex); <c>^</c>/<c>$</c> at the ends are accepted and redundant.</summary>
        FullMatch,

        /// <summary>JSON Schema semantics: the pattern may match anywhere unless anchored with <c>^</c>/<c>$</c>.</summary>
        Search,
    }

    private static readonly CodePointSet Digits = CodePointSet.Range('0', '9');
    private static readonly CodePointSet WordChars = CodePointSet.FromRanges([('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')]);
    private static readonly CodePointSet Spaces = CodePointSet.FromRanges([(' ', ' '), ('\t', '\r')]);
    private static readonly CodePointSet Ascii = CodePointSet.Range(0, 0x7F);
    private static readonly CodePointSet AnyButNewline = CodePointSet.FromRanges([('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)]).Complement();

    private readonly string _pattern;
    private readonly int[] _chars;
    private readonly bool _jsonString;
    private readonly int _maxNesting;
    private readonly int _maxRepeat;
    private int _pos;
    private int _nesting;

    private RegexParser(string pattern, bool jsonString, int maxNesting, int maxRepeat)
    {
        _pattern = pattern;
        _chars = [.. pattern.EnumerateRunes().Select(r => r.Value)];
        _jsonString = jsonString;
        _maxNesting = maxNesting;
        _maxRepeat = maxRepeat;
    }

    // Parsed grammars are immutable; schemas repeat the same patterns and formats, so parse each once (per set of limits, so a
    // pattern accepted under lenient limits is not reused under strict ones).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, bool, Anchoring, int, int), Grammar> Parsed = new();

    /// <summary>A grammar for the text the pattern matches (raw UTF-8).</summary>
    /// <exception cref="UnsupportedRegexException">A feature outside regular languages.</exception>
    /// <exception cref="GrammarLimitException">Nesting or a repetition count past <paramref name="limits"/>.</exception>
    public static Grammar Parse(string pattern, Anchoring anchoring, GrammarLimits? limits = null) => ParseCached(pattern, false, anchoring, limits);

    /// <summary>A grammar for the contents of a JSON string (between the quotes) whose decoded value matches the pattern.</summary>
    public static Grammar ParseJsonStringBody(string pattern, Anchoring anchoring, GrammarLimits? limits = null) => ParseCached(pattern, true, anchoring, limits);

    private static Grammar ParseCached(string pattern, bool jsonString, Anchoring anchoring, GrammarLimits? limits)
    {
        limits ??= GrammarLimits.Default;
        var key = (pattern, jsonString, anchoring, limits.MaxRegexNesting, limits.MaxRepeat);
        if (Parsed.TryGetValue(key, out var cached)) return cached;
        var grammar = new RegexParser(pattern, jsonString, limits.MaxRegexNesting, limits.MaxRepeat).ParseTop(anchoring);
        if (Parsed.Count > 4096) Parsed.Clear();
        return Parsed.GetOrAdd(key, grammar);
    }

    /// <summary>Enters one level of nesting (a group or a stacked quantifier), within <see cref="GrammarLimits.MaxRegexNesting"/>.</summary>
    private void Nest()
    {
        if (++_nesting > _maxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxRegexNesting), _maxNesting, null, $"the nesting of groups and quantifiers at position {_pos} of the regex");
        }
    }

    private Grammar AnyChar => new CharacterNode(_jsonString ? JsonStringCharacters.AnyCharacter : new CodePointClassNode(CodePointSet.All));

    private Grammar ParseTop(Anchoring anchoring)
    {
        var alternatives = new List<Grammar>();
        while (true)
        {
            var anchoredStart = Eat('^');
            var body = ParseSequence(topLevel: true);
            var anchoredEnd = Eat('$');
            if (anchoring == Anchoring.Search)
            {
                var any = Grammar.Repeat(AnyChar, 0, null);
                body = Grammar.Sequence(anchoredStart ? Grammar.Empty : any, body, anchoredEnd ? Grammar.Empty : any);
            }
            alternatives.Add(body);
            if (Eat('|')) continue;
            if (_pos < _chars.Length) throw Unsupported(_chars[_pos] == ')' ? "unbalanced ')'" : "anchor inside the pattern");
            break;
        }
        return Grammar.Alternatives([.. alternatives]);
    }

    private Grammar ParseAlternation()
    {
        var alternatives = new List<Grammar> { ParseSequence(topLevel: false) };
        while (Eat('|')) alternatives.Add(ParseSequence(topLevel: false));
        return Grammar.Alternatives([.. alternatives]);
    }

    private Grammar ParseSequence(bool topLevel)
    {
        var items = new List<Grammar>();
        while (_pos < _chars.Length)
        {
            var c = _chars[_pos];
            if (c == '|' || c == ')') break;
            if (c == '$' && topLevel && (_pos + 1 == _chars.Length || _chars[_pos + 1] == '|')) break;
            if (c == '^' || c == '$') throw Unsupported("anchor inside the pattern");
            var atom = ParseAtom();
            items.Add(ParseQuantifier(atom));
        }
        return items.Count == 0 ? Grammar.Empty : Grammar.Sequence([.. items]);
    }

    private Grammar ParseQuantifier(Grammar atom)
    {
        var stacked = 0;
        while (_pos < _chars.Length)
        {
            var start = _pos;
            int min;
            int? max;
            switch (_chars[_pos])
            {
                case '*':
                    _pos++;
                    (min, max) = (0, null);
                    break;
                case '+':
                    _pos++;
                    (min, max) = (1, null);
                    break;
                case '?':
                    _pos++;
                    (min, max) = (0, 1);
                    break;
                case '{' when TryParseBraces(out min, out max):
                    break;
                default:
                    _nesting -= stacked;
                    return atom;
            }
            if (Eat('?'))
            {
                // Lazy quantifiers match the same set of whole strings.
            }
            else if (_pos < _chars.Length && _chars[_pos] == '+')
            {
                throw Unsupported("possessive quantifier");
            }
            if (max is { } m && m < min) throw new UnsupportedRegexException(_pattern, start, "quantifier with max < min");
            if (Math.Max(min, max ?? 0) > _maxRepeat)
            {
                throw new GrammarLimitException(nameof(GrammarLimits.MaxRepeat), _maxRepeat, null, $"the count of the quantifier at position {start} of the regex");
            }
            // A quantifier on a quantified atom nests one level deeper; each counts toward the nesting limit.
            if (atom is RepeatNode)
            {
                Nest();
                stacked++;
            }
            atom = Grammar.Repeat(atom, min, max);
        }
        _nesting -= stacked;
        return atom;
    }

    private bool TryParseBraces(out int min, out int? max)
    {
        min = 0;
        max = null;
        var p = _pos + 1;
        var first = ReadNumber(ref p);
        if (first is null) return false;
        min = first.Value;
        if (p < _chars.Length && _chars[p] == '}')
        {
            max = min;
            _pos = p + 1;
            return true;
        }
        if (p >= _chars.Length || _chars[p] != ',') return false;
        p++;
        max = ReadNumber(ref p);
        if (p >= _chars.Length || _chars[p] != '}') return false;
        _pos = p + 1;
        return true;
    }

    private int? ReadNumber(ref int p)
    {
        var start = p;
        var value = 0;
        while (p < _chars.Length && _chars[p] is >= '0' and <= '9')
        {
            // Saturate instead of overflowing: any count this large is refused by the MaxRepeat check.
            value = (int)Math.Min(int.MaxValue, value * 10L + (_chars[p] - '0'));
            p++;
        }
        return p > start ? value : null;
    }

    private Grammar ParseAtom()
    {
        var c = _chars[_pos];
        switch (c)
        {
            case '(':
                {
                    _pos++;
                    if (Eat('?'))
                    {
                        if (Eat(':'))
                        {
                        }
                        else if (Peek('<') && _pos + 1 < _chars.Length && _chars[_pos + 1] is not ('=' or '!'))
                        {
                            SkipGroupName('>');
                        }
                        else if (Peek('P') && _pos + 1 < _chars.Length && _chars[_pos + 1] == '<')
                        {
                            _pos++;
                            SkipGroupName('>');
                        }
                        else if (Peek('=') || Peek('!'))
                        {
                            throw Unsupported("lookahead");
                        }
                        else if (Peek('<'))
                        {
                            throw Unsupported("lookbehind");
                        }
                        else
                        {
                            throw Unsupported("inline flags or group modifier");
                        }
                    }
                    Nest();
                    var inner = ParseAlternation();
                    if (!Eat(')')) throw Unsupported("unterminated group");
                    _nesting--;
                    return inner;
                }
            case '[':
                return Chars(ParseClass());
            case '.':
                _pos++;
                return Chars(AnyButNewline);
            case '\\':
                return ParseEscape();
            case '*' or '+' or '?':
                throw Unsupported("quantifier without an operand");
            default:
                _pos++;
                return Chars(CodePointSet.Single(c));
        }
    }

    private void SkipGroupName(char close)
    {
        _pos++;
        while (_pos < _chars.Length && _chars[_pos] != close) _pos++;
        if (!Eat(close)) throw Unsupported("unterminated group name");
    }

    private Grammar ParseEscape()
    {
        var start = _pos;
        _pos++;
        if (_pos >= _chars.Length) throw new UnsupportedRegexException(_pattern, start, "trailing backslash");
        var c = _chars[_pos];
        switch (c)
        {
            case 'b' or 'B':
                throw new UnsupportedRegexException(_pattern, start, "word boundary");
            case >= '1' and <= '9':
            case 'k':
                throw new UnsupportedRegexException(_pattern, start, "backreference");
            case 'A' or 'Z' or 'z' or 'G':
                throw new UnsupportedRegexException(_pattern, start, "anchor escape");
        }
        _pos = start;
        return Chars(ParseClassEscape(inClass: false));
    }

    /// <summary>An escape as a set of code points (shared by atoms and classes).</summary>
    private CodePointSet ParseClassEscape(bool inClass)
    {
        var start = _pos;
        _pos++; // backslash
        if (_pos >= _chars.Length) throw new UnsupportedRegexException(_pattern, start, "trailing backslash");
        var c = _chars[_pos++];
        switch (c)
        {
            case 'd': return Digits;
            case 'D': return Ascii.Subtract(Digits);
            case 'w': return WordChars;
            case 'W': return Ascii.Subtract(WordChars);
            case 's': return Spaces;
            case 'S': return Ascii.Subtract(Spaces);
            case 'n': return CodePointSet.Single('\n');
            case 't': return CodePointSet.Single('\t');
            case 'r': return CodePointSet.Single('\r');
            case 'f': return CodePointSet.Single('\f');
            case 'v': return CodePointSet.Single('\v');
            case '0': return CodePointSet.Single(0);
            case 'b' when inClass: return CodePointSet.Single('\b');
            case 'x': return CodePointSet.Single(ReadHex(2, start));
            case 'u':
                if (Eat('{'))
                {
                    var value = 0;
                    var digits = 0;
                    while (_pos < _chars.Length && _chars[_pos] != '}')
                    {
                        value = value * 16 + HexValue(_chars[_pos++], start);
                        digits++;
                    }
                    if (!Eat('}') || digits == 0 || value > CodePointSet.MaxCodePoint) throw new UnsupportedRegexException(_pattern, start, "bad \\u{…} escape");
                    return CodePointSet.Single(value);
                }
                return CodePointSet.Single(ReadHex(4, start));
            case 'p' or 'P':
                throw new UnsupportedRegexException(_pattern, start, "Unicode property class");
            case 'c':
                throw new UnsupportedRegexException(_pattern, start, "control escape");
            default:
                if (char.IsAsciiLetterOrDigit((char)Math.Min(c, 0xFFFF)))
                {
                    throw new UnsupportedRegexException(_pattern, start, $"escape \\{char.ConvertFromUtf32(c)}");
                }
                return CodePointSet.Single(c);
        }
    }

    private int ReadHex(int count, int start)
    {
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            if (_pos >= _chars.Length) throw new UnsupportedRegexException(_pattern, start, "short hex escape");
            value = value * 16 + HexValue(_chars[_pos++], start);
        }
        return value;
    }

    private int HexValue(int c, int start) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => throw new UnsupportedRegexException(_pattern, start, "bad hex digit"),
    };

    private CodePointSet ParseClass()
    {
        var start = _pos;
        _pos++; // [
        var negated = Eat('^');
        var usesShorthand = false;
        var ranges = new List<CodePointSet>();
        var first = true;
        while (true)
        {
            if (_pos >= _chars.Length) throw new UnsupportedRegexException(_pattern, start, "unterminated character class");
            var c = _chars[_pos];
            if (c == ']' && !first)
            {
                _pos++;
                break;
            }
            first = false;
            if (c == '[' && _pos + 1 < _chars.Length && _chars[_pos + 1] is ':' or '=' or '.')
            {
                throw new UnsupportedRegexException(_pattern, _pos, "POSIX class");
            }
            CodePointSet low;
            int? lowChar;
            if (c == '\\')
            {
                var escapeStart = _pos;
                low = ParseClassEscape(inClass: true);
                var isShorthand = _chars[escapeStart + 1] is 'd' or 'D' or 'w' or 'W' or 's' or 'S';
                usesShorthand |= isShorthand;
                lowChar = isShorthand ? null : low.Ranges[0].Lo;
            }
            else
            {
                _pos++;
                low = CodePointSet.Single(c);
                lowChar = c;
            }
            if (lowChar is { } from && Peek('-') && _pos + 1 < _chars.Length && _chars[_pos + 1] != ']')
            {
                _pos++;
                int to;
                if (_chars[_pos] == '\\')
                {
                    var set = ParseClassEscape(inClass: true);
                    if (set.Ranges.Count != 1 || set.Ranges[0].Lo != set.Ranges[0].Hi)
                    {
                        throw new UnsupportedRegexException(_pattern, _pos, "class shorthand as a range end");
                    }
                    to = set.Ranges[0].Lo;
                }
                else
                {
                    to = _chars[_pos++];
                }
                if (to < from) throw new UnsupportedRegexException(_pattern, start, "range out of order");
                ranges.Add(CodePointSet.Range(from, to));
                continue;
            }
            ranges.Add(low);
        }
        var result = CodePointSet.Empty;
        foreach (var set in ranges) result = result.Union(set);
        if (!negated) return result;
        // A negated class that mentions a shorthand is taken within ASCII, where engines agree on what the shorthand means.
        return usesShorthand ? Ascii.Subtract(result) : result.Complement();
    }

    private Grammar Chars(CodePointSet set)
    {
        if (set.IsEmpty) return Grammar.Nothing;
        if (_jsonString) return new CharacterNode(JsonStringCharacters.ForSet(set));
        if (set.Ranges.Count == 1 && set.Ranges[0].Lo == set.Ranges[0].Hi)
        {
            return new CharacterNode(Grammar.Literal(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(set.Ranges[0].Lo))));
        }
        return new CharacterNode(new CodePointClassNode(set));
    }

    private bool Peek(char c) => _pos < _chars.Length && _chars[_pos] == c;

    private bool Eat(char c)
    {
        if (!Peek(c)) return false;
        _pos++;
        return true;
    }

    private UnsupportedRegexException Unsupported(string feature) => new(_pattern, _pos, feature);
}
