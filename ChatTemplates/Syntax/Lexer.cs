using System.Globalization;
using System.Text;

namespace Cluster.ChatTemplates.Syntax;

/// <summary>
/// Splits template source into tokens with Jinja2's whitespace rules as Hugging Face configures them:
/// <c>trim_blocks</c> (drop the newline after a block or comment tag), <c>lstrip_blocks</c> (drop the indentation before one),
/// and the <c>-</c>/<c>+</c> markers that override both.
/// </summary>
internal sealed class Lexer
{
    private const string SingleCharOperators = "+-*/%~<>=.,:|()[]{}";

    // Interned one-character operator strings, so tokens do not allocate them.
    private static readonly Dictionary<char, string> OperatorStrings = SingleCharOperators.ToDictionary(c => c, c => c.ToString());

    private readonly string _source;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;

    private Lexer(string source)
    {
        _source = source.Replace("\r\n", "\n", StringComparison.Ordinal);
        // Jinja2's keep_trailing_newline=False: one newline at the very end of the template is not output.
        if (_source.EndsWith('\n')) _source = _source[..^1];
    }

    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private TemplateException Error(string message) => new("TemplateSyntaxError", message);

    private void Run()
    {
        var lineStarting = true;
        while (_pos < _source.Length)
        {
            var start = FindTagStart(_pos);
            if (start < 0)
            {
                AddText(_source[_pos..]);
                break;
            }
            var text = _source[_pos..start];
            var kind = _source[start + 1];
            var sign = start + 2 < _source.Length ? _source[start + 2] : '\0';
            if (sign == '-') text = text.TrimEnd();
            else if (sign != '+' && kind != '{')
            {
                var lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && IsBlank(text, lineStart)) text = text[..lineStart];
            }
            AddText(text);
            _line += CountNewlines(_source, _pos, start);
            _pos = start + 2;
            if (sign is '-' or '+') _pos++;

            if (kind == '#') lineStarting = SkipComment();
            else if (kind == '%' && TryRawBlock()) lineStarting = false;
            else lineStarting = LexTag(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin);
        }
        _tokens.Add(new Token(TokenKind.End, "", _line));
    }

    private static bool IsBlank(string text, int from)
    {
        if (from >= text.Length) return false;
        for (var i = from; i < text.Length; i++)
            if (!char.IsWhiteSpace(text[i])) return false;
        return true;
    }

    private static int CountNewlines(string s, int from, int to)
    {
        var n = 0;
        for (var i = from; i < to; i++)
            if (s[i] == '\n') n++;
        return n;
    }

    private int FindTagStart(int from)
    {
        var i = from;
        while (true)
        {
            i = _source.IndexOf('{', i);
            if (i < 0 || i + 1 >= _source.Length) return -1;
            if (_source[i + 1] is '{' or '%' or '#') return i;
            i++;
        }
    }

    private void AddText(string text)
    {
        if (text.Length > 0) _tokens.Add(new Token(TokenKind.Text, text, _line));
    }

    /// <summary>Skips a comment; returns whether the consumed text ends a line (for lstrip_blocks).</summary>
    private bool SkipComment()
    {
        var end = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (end < 0) throw Error("Missing end of comment tag");
        var stripAfter = end > _pos && _source[end - 1] == '-';
        _line += CountNewlines(_source, _pos, end);
        _pos = end + 2;
        return ConsumeTagSuffix(stripAfter, trim: true);
    }

    /// <summary>After a tag: <c>-</c> strips all following whitespace; otherwise trim_blocks drops one newline.</summary>
    private bool ConsumeTagSuffix(bool stripAfter, bool trim)
    {
        var begin = _pos;
        if (stripAfter)
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos])) _pos++;
        else if (trim && _pos < _source.Length && _source[_pos] == '\n') _pos++;
        _line += CountNewlines(_source, begin, _pos);
        return _pos > begin && _source[_pos - 1] == '\n';
    }

    private bool TryRawBlock()
    {
        var p = _pos;
        while (p < _source.Length && char.IsWhiteSpace(_source[p])) p++;
        if (string.CompareOrdinal(_source, p, "raw", 0, 3) != 0) return false;
        p += 3;
        while (p < _source.Length && char.IsWhiteSpace(_source[p])) p++;
        if (p < _source.Length && _source[p] == '-') p++;
        if (string.CompareOrdinal(_source, p, "%}", 0, 2) != 0) return false;
        var bodyStart = p + 2;
        var search = bodyStart;
        while (true)
        {
            var tag = _source.IndexOf("{%", search, StringComparison.Ordinal);
            if (tag < 0) throw Error("Missing end of raw directive");
            var q = tag + 2;
            if (q < _source.Length && _source[q] is '-' or '+') q++;
            while (q < _source.Length && char.IsWhiteSpace(_source[q])) q++;
            if (string.CompareOrdinal(_source, q, "endraw", 0, 6) == 0)
            {
                var body = _source[bodyStart..tag];
                if (_source[tag + 2] == '-') body = body.TrimEnd();
                AddText(body);
                var close = _source.IndexOf("%}", q, StringComparison.Ordinal);
                _line += CountNewlines(_source, _pos, close);
                _pos = close + 2;
                ConsumeTagSuffix(_source[close - 1] == '-', trim: true);
                return true;
            }
            search = tag + 2;
        }
    }

    /// <summary>Lexes the inside of <c>{{ }}</c> or <c>{% %}</c>; returns whether the consumed text ends a line.</summary>
    private bool LexTag(TokenKind begin)
    {
        var isBlock = begin == TokenKind.BlockBegin;
        var close = isBlock ? "%}" : "}}";
        _tokens.Add(new Token(begin, "", _line));
        while (true)
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos]))
            {
                if (_source[_pos] == '\n') _line++;
                _pos++;
            }
            if (_pos >= _source.Length) throw Error($"Unexpected end of template. Expected '{close}'.");
            var c = _source[_pos];
            if ((c == '-' || c == '+') && string.CompareOrdinal(_source, _pos + 1, close, 0, 2) == 0)
            {
                _pos += 3;
                _tokens.Add(new Token(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", _line));
                return ConsumeTagSuffix(stripAfter: c == '-', trim: false);
            }
            if (string.CompareOrdinal(_source, _pos, close, 0, 2) == 0 && !(close == "}}" && OpenBraces() > 0))
            {
                _pos += 2;
                _tokens.Add(new Token(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", _line));
                return ConsumeTagSuffix(stripAfter: false, trim: isBlock);
            }
            if (char.IsLetter(c) || c == '_') LexName();
            else if (char.IsAsciiDigit(c)) LexNumber();
            else if (c is '\'' or '"') LexString(c);
            else LexOperator();
        }
    }

    // "{{ {'a': {}} }}": a "}}" that closes an open dict literal is two braces, not the end of the tag.
    private int OpenBraces()
    {
        var depth = 0;
        for (var i = _tokens.Count - 1; i >= 0 && _tokens[i].Kind != TokenKind.VariableBegin; i--)
        {
            if (_tokens[i].IsOperator("{")) depth++;
            else if (_tokens[i].IsOperator("}")) depth--;
        }
        return depth;
    }

    private void LexName()
    {
        var start = _pos;
        while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        _tokens.Add(new Token(TokenKind.Name, _source[start.._pos], _line));
    }

    private void LexNumber()
    {
        var start = _pos;
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        var isFloat = false;
        if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        }
        if (_pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            var p = _pos + 1;
            if (p < _source.Length && _source[p] is '+' or '-') p++;
            if (p < _source.Length && char.IsAsciiDigit(_source[p]))
            {
                isFloat = true;
                _pos = p;
                while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
            }
        }
        var text = _source[start.._pos].Replace("_", "");
        _tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, _line));
    }

    private void LexString(char quote)
    {
        var sb = new StringBuilder();
        var startLine = _line;
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length) throw Error("unexpected char " + PythonQuote(quote) + $" at {_pos}");
            var c = _source[_pos++];
            if (c == quote) break;
            if (c == '\n') _line++;
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _source.Length) continue;
            var e = _source[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '0': sb.Append('\0'); break;
                case '\n': _line++; break;
                case 'x': sb.Append(HexEscape(2)); break;
                case 'u': sb.Append(HexEscape(4)); break;
                case 'U': sb.Append(HexEscape(8)); break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        _tokens.Add(new Token(TokenKind.String, sb.ToString(), startLine));
    }

    private static string PythonQuote(char quote) => quote == '\'' ? "\"'\"" : "'\"'";

    private string HexEscape(int digits)
    {
        if (_pos + digits > _source.Length) throw Error("truncated escape sequence");
        var cp = int.Parse(_source.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        _pos += digits;
        return char.ConvertFromUtf32(cp);
    }

    private void LexOperator()
    {
        var c = _source[_pos];
        var next = _pos + 1 < _source.Length ? _source[_pos + 1] : '\0';
        var op = (c, next) switch
        {
            ('/', '/') => "//",
            ('*', '*') => "**",
            ('=', '=') => "==",
            ('!', '=') => "!=",
            ('<', '=') => "<=",
            ('>', '=') => ">=",
            _ => SingleCharOperators.Contains(c) ? null : throw Error($"unexpected char {PythonFormattingQuote(c)} at {_pos}"),
        };
        op ??= OperatorStrings[c];
        _pos += op.Length;
        _tokens.Add(new Token(TokenKind.Operator, op, _line));
    }

    private static string PythonFormattingQuote(char c) => Values.PythonFormatting.Repr(c.ToString());
}
