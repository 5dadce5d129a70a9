using System.Globalization;
using System.Numerics;
using System.Text;
using Cluster.Parsers.Engine;

namespace Cluster.Parsers.Payloads;

/// <summary>
/// Converts Python-style literals (and Gemma's relaxed objects) to JSON one character at a time, streaming the JSON
/// as it goes: strings, numbers, <c>True/False/None</c>, dicts, lists, tuples and sets. Only a brace's first element
/// is buffered, until a <c>:</c> or <c>,</c> tells a dict from a set. Recovers two common model slips: raw control
/// characters inside strings and unescaped quotes inside a string (a quote ends a string only when followed by a
/// delimiter).
/// </summary>
internal sealed class LiteralToJsonConverter
{
    private enum Lex : byte { Between, String, Escape, Hex, MaybeClosed, QuoteOpen, Number, Word, Done }

    private enum Kind : byte { KwArgs, Dict, BareDict, List, Tuple, Set, DictOrSet }

    private enum Expect : byte { KeyOrClose, Separator, Value, CommaOrClose, FirstOrClose }

    private sealed class Frame
    {
        public Kind Kind;
        public Expect Expect;
        public int Count;
        public bool PendingComma;
        public StringBuilder? Buffer;
    }

    private readonly string[] _quotes;
    private readonly bool _pythonStrings;
    private readonly bool _bareKeys;
    private readonly bool _coerceQuoted;
    private readonly List<Frame> _frames = [];
    private readonly Stack<Frame> _pool = new();
    private readonly StringBuilder _token = new();
    private readonly StringBuilder _pendingWs = new();
    private ICallSink _sink = null!;
    private Lex _lex;
    private int _quote;
    private int _quoteMatched;
    private int _hexLeft;
    private int _hexValue;
    private bool _stringIsKey;
    private bool _stringBuffered;

    public LiteralToJsonConverter(string[] quotes, bool bareKeys, bool coerceQuotedScalars)
    {
        _quotes = quotes;
        _pythonStrings = quotes.All(q => q.Length == 1);
        _bareKeys = bareKeys;
        _coerceQuoted = coerceQuotedScalars;
    }

    /// <summary>Keyword arguments seen at the top level (a call is certain once one is).</summary>
    public int RootMembers { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Starts converting keyword arguments (after the call's <c>(</c>, which the caller consumed).</summary>
    public void BeginKeywordArguments(ICallSink sink)
    {
        Reset(sink);
        Push(Kind.KwArgs, Expect.KeyOrClose);
        Out('{');
    }

    /// <summary>Starts converting one object value (Gemma's <c>{key:value}</c>).</summary>
    public void BeginObject(ICallSink sink)
    {
        Reset(sink);
    }

    /// <summary>Consumes one character.</summary>
    public PayloadStep Push(char c)
    {
        switch (_lex)
        {
            case Lex.String:
                return StringChar(c);
            case Lex.Escape:
                return EscapeChar(c);
            case Lex.Hex:
                if (!char.IsAsciiHexDigit(c))
                {
                    return Fail("Bad \\x or \\u escape.");
                }
                _hexValue = _hexValue * 16 + Convert.ToInt32(c.ToString(), 16);
                if (--_hexLeft == 0)
                {
                    StringOut((char)_hexValue);
                    _lex = Lex.String;
                }
                return PayloadStep.Continue;
            case Lex.MaybeClosed:
                if (JsonText.IsWhitespace(c))
                {
                    _pendingWs.Append(c);
                    return PayloadStep.Continue;
                }
                if (c is ',' or ')' or ']' or '}' or ':' or '=')
                {
                    var end = EndString();
                    return end == PayloadStep.Continue ? Structural(c) : end;
                }
                // The quote was part of the text.
                StringOut(_quotes[_quote][0]);
                foreach (var w in _pendingWs.ToString())
                {
                    StringOut(w);
                }
                _pendingWs.Clear();
                _lex = Lex.String;
                return StringChar(c);
            case Lex.QuoteOpen:
                if (c != _quotes[_quote][_quoteMatched])
                {
                    return Fail("Broken string quote.");
                }
                if (++_quoteMatched == _quotes[_quote].Length)
                {
                    _quoteMatched = 0;
                    _lex = Lex.String;
                }
                return PayloadStep.Continue;
            case Lex.Number:
                if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-')
                {
                    _token.Append(c);
                    return PayloadStep.Continue;
                }
                var number = EndNumber();
                return number == PayloadStep.Continue ? Between(c) : number;
            case Lex.Word:
                if (char.IsLetterOrDigit(c) || c is '_' or '.' or '-')
                {
                    _token.Append(c);
                    return PayloadStep.Continue;
                }
                var word = EndWord();
                return word == PayloadStep.Continue ? Between(c) : word;
            case Lex.Done:
                return Fail("Text after the arguments.");
            default:
                return Between(c);
        }
    }

    /// <summary>The text ended: only a finished conversion is whole.</summary>
    public PayloadStep Finish() => _lex == Lex.Done ? PayloadStep.Complete : Fail("The output ended inside the arguments.");

    private void Reset(ICallSink sink)
    {
        _sink = sink;
        foreach (var f in _frames)
        {
            _pool.Push(f);
        }
        _frames.Clear();
        _lex = Lex.Between;
        _token.Clear();
        _pendingWs.Clear();
        RootMembers = 0;
        Error = null;
    }

    // ------------------------------------------------------------ lexing

    private PayloadStep Between(char c)
    {
        if (JsonText.IsWhitespace(c))
        {
            return PayloadStep.Continue;
        }
        for (var q = 0; q < _quotes.Length; q++)
        {
            if (c == _quotes[q][0])
            {
                return BeginString(q);
            }
        }
        if (char.IsAsciiDigit(c) || c is '-' or '+' or '.')
        {
            if (!AtValueOrKey(out var error))
            {
                return Fail(error);
            }
            _token.Clear().Append(c);
            _lex = Lex.Number;
            return PayloadStep.Continue;
        }
        if (char.IsLetter(c) || c == '_')
        {
            _token.Clear().Append(c);
            _lex = Lex.Word;
            return PayloadStep.Continue;
        }
        return Structural(c);
    }

    private PayloadStep BeginString(int quote)
    {
        var frame = Top;
        _stringIsKey = frame is not null && frame.Expect == Expect.KeyOrClose && frame.Kind is Kind.Dict or Kind.BareDict;
        if (frame is not null && frame.Expect == Expect.KeyOrClose && frame.Kind == Kind.KwArgs)
        {
            return Fail("Keyword argument names are not strings.");
        }
        if (!_stringIsKey && !AtValueOrKey(out var error))
        {
            return Fail(error);
        }
        if (_stringIsKey)
        {
            MemberComma(frame!);
        }
        _quote = quote;
        _stringBuffered = _coerceQuoted && !_stringIsKey;
        _token.Clear();
        if (!_stringBuffered)
        {
            Out('"');
        }
        if (_quotes[quote].Length > 1)
        {
            _quoteMatched = 1;
            _lex = Lex.QuoteOpen;
        }
        else
        {
            _lex = Lex.String;
        }
        return PayloadStep.Continue;
    }

    private PayloadStep StringChar(char c)
    {
        var quote = _quotes[_quote];
        if (quote.Length == 1)
        {
            if (c == quote[0])
            {
                if (!_pythonStrings)
                {
                    return EndString();
                }
                _pendingWs.Clear();
                _lex = Lex.MaybeClosed;
                return PayloadStep.Continue;
            }
            if (c == '\\' && _pythonStrings)
            {
                _lex = Lex.Escape;
                return PayloadStep.Continue;
            }
            StringOut(c);
            return PayloadStep.Continue;
        }
        // A multi-character quote: hold a partial match back until it completes or fails.
        if (c == quote[_quoteMatched])
        {
            if (++_quoteMatched == quote.Length)
            {
                _quoteMatched = 0;
                return EndString();
            }
            return PayloadStep.Continue;
        }
        if (_quoteMatched > 0)
        {
            var held = quote.AsSpan(0, _quoteMatched);
            _quoteMatched = 0;
            foreach (var h in held)
            {
                StringOut(h);
            }
            return StringChar(c);
        }
        StringOut(c);
        return PayloadStep.Continue;
    }

    private PayloadStep EscapeChar(char c)
    {
        _lex = Lex.String;
        switch (c)
        {
            case 'n': StringOut('\n'); break;
            case 't': StringOut('\t'); break;
            case 'r': StringOut('\r'); break;
            case '0': StringOut('\0'); break;
            case '\\' or '\'' or '"': StringOut(c); break;
            case 'x':
                _hexLeft = 2;
                _hexValue = 0;
                _lex = Lex.Hex;
                break;
            case 'u':
                _hexLeft = 4;
                _hexValue = 0;
                _lex = Lex.Hex;
                break;
            case '\n':
                break;
            default:
                StringOut('\\');
                StringOut(c);
                break;
        }
        return PayloadStep.Continue;
    }

    private void StringOut(char c)
    {
        if (_stringBuffered)
        {
            _token.Append(c);
            return;
        }
        var buffer = Buffer;
        if (buffer is not null)
        {
            JsonText.AppendEscaped(buffer, c);
            return;
        }
        _sink.AppendJsonStringChar(c);
    }

    private PayloadStep EndString()
    {
        _lex = Lex.Between;
        _pendingWs.Clear();
        if (_stringBuffered)
        {
            var text = _token.ToString();
            Out(CoercedScalar(text));
        }
        else
        {
            Out('"');
        }
        if (_stringIsKey)
        {
            Top!.Expect = Expect.Separator;
            return PayloadStep.Continue;
        }
        return ValueDone();
    }

    private static string CoercedScalar(string text)
    {
        var t = text.Trim();
        if (t is "true" or "false" or "True" or "False")
        {
            return t.ToLowerInvariant();
        }
        if (JsonSyntax.IsNumber(t))
        {
            return t;
        }
        var sb = new StringBuilder(text.Length + 2);
        JsonText.AppendQuoted(sb, text);
        return sb.ToString();
    }

    private PayloadStep EndNumber()
    {
        _lex = Lex.Between;
        var text = _token.ToString().Replace("_", "");
        string? json = null;
        if (text.StartsWith('+'))
        {
            text = text[1..];
        }
        if (JsonSyntax.IsNumber(text))
        {
            // Valid JSON syntax can still overflow a double (1e999): Python reads that as inf, which JSON cannot carry.
            json = text.AsSpan().IndexOfAny('.', 'e', 'E') < 0 || double.IsFinite(double.Parse(text, CultureInfo.InvariantCulture)) ? text : null;
        }
        else if (BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            json = big.ToString(CultureInfo.InvariantCulture);
        }
        else if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            json = hex.ToString(CultureInfo.InvariantCulture);
        }
        else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            json = double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : null;
        }
        if (json is null)
        {
            return Fail($"'{text}' is not a finite number.");
        }
        var frame = Top;
        if (frame is not null && frame.Expect == Expect.KeyOrClose && frame.Kind is Kind.Dict or Kind.BareDict)
        {
            MemberComma(frame);
            Out('"');
            Out(json);
            Out('"');
            frame.Expect = Expect.Separator;
            return PayloadStep.Continue;
        }
        Out(JsonSyntax.IsNumber(json) ? json : double.Parse(json, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
        return ValueDone();
    }

    private PayloadStep EndWord()
    {
        _lex = Lex.Between;
        var word = _token.ToString();
        var frame = Top;
        if (frame is not null && frame.Expect == Expect.CommaOrClose && frame.Kind == Kind.BareDict)
        {
            // Members written without a comma between them.
            frame.Expect = Expect.KeyOrClose;
        }
        if (frame is not null && frame.Expect == Expect.KeyOrClose
            && (frame.Kind == Kind.KwArgs || (frame.Kind == Kind.BareDict && _bareKeys)))
        {
            MemberComma(frame);
            var sb = new StringBuilder(word.Length + 2);
            JsonText.AppendQuoted(sb, word);
            Out(sb.ToString());
            frame.Expect = Expect.Separator;
            return PayloadStep.Continue;
        }
        var json = word switch
        {
            "True" or "true" => "true",
            "False" or "false" => "false",
            "None" or "null" => "null",
            _ => null,
        };
        if (json is null)
        {
            return Fail($"'{word}' is not a literal.");
        }
        if (!AtValueOrKey(out var error))
        {
            return Fail(error);
        }
        Out(json);
        return ValueDone();
    }

    // ------------------------------------------------------------ structure

    private PayloadStep Structural(char c)
    {
        var frame = Top;
        if (frame is null)
        {
            // The root value of a relaxed object.
            if (c != '{')
            {
                return Fail("The arguments must be an object.");
            }
            Push(Kind.BareDict, Expect.KeyOrClose);
            Out('{');
            return PayloadStep.Continue;
        }
        switch (frame.Expect)
        {
            case Expect.Separator:
                var sep = frame.Kind == Kind.KwArgs ? '=' : ':';
                if (c != sep)
                {
                    return Fail($"Expected '{sep}'.");
                }
                Out(": ");
                if (frame.Kind == Kind.KwArgs && _frames.Count == 1)
                {
                    RootMembers++;
                }
                frame.Expect = Expect.Value;
                return PayloadStep.Continue;
            case Expect.KeyOrClose:
            case Expect.CommaOrClose:
            case Expect.FirstOrClose:
                if (frame.Kind == Kind.DictOrSet && frame.Count == 1 && c is ':' or ',')
                {
                    return Resolve(frame, c);
                }
                if (c == CloseOf(frame.Kind))
                {
                    return Close(frame);
                }
                if (frame.Expect == Expect.CommaOrClose && c == ',')
                {
                    frame.Expect = frame.Kind is Kind.KwArgs or Kind.Dict or Kind.BareDict ? Expect.KeyOrClose : Expect.Value;
                    // Written when the next element starts: Python allows a trailing comma, JSON does not.
                    frame.PendingComma = frame.Kind is Kind.List or Kind.Tuple or Kind.Set;
                    return PayloadStep.Continue;
                }
                if (frame.Expect == Expect.FirstOrClose || (frame.Expect == Expect.KeyOrClose && frame.Kind is Kind.List or Kind.Tuple or Kind.Set))
                {
                    return OpenValue(c);
                }
                return Fail($"Unexpected '{c}'.");
            default:
                // Python allows a trailing comma before the closing bracket.
                if (c == CloseOf(frame.Kind) && frame.Count > 0 && frame.Kind != Kind.DictOrSet)
                {
                    return Close(frame);
                }
                return OpenValue(c);
        }
    }

    private PayloadStep OpenValue(char c)
    {
        if (!AtValueOrKey(out var error))
        {
            return Fail(error);
        }
        switch (c)
        {
            case '[':
                Push(Kind.List, Expect.Value);
                Top!.Expect = Expect.FirstOrClose;
                Out('[');
                return PayloadStep.Continue;
            case '(':
                Push(Kind.Tuple, Expect.FirstOrClose);
                Out('[');
                return PayloadStep.Continue;
            case '{' when _bareKeys:
                Push(Kind.BareDict, Expect.KeyOrClose);
                Out('{');
                return PayloadStep.Continue;
            case '{':
                // A dict or a set: buffer the first element until ':' or ',' decides.
                var frame = Push(Kind.DictOrSet, Expect.FirstOrClose);
                frame.Buffer = new StringBuilder();
                return PayloadStep.Continue;
            default:
                return Fail($"Unexpected '{c}'.");
        }
    }

    private PayloadStep Resolve(Frame frame, char c)
    {
        var first = frame.Buffer!.ToString();
        frame.Buffer = null;
        if (c == ':')
        {
            frame.Kind = Kind.Dict;
            Out('{');
            if (first.StartsWith('"'))
            {
                Out(first);
            }
            else
            {
                var sb = new StringBuilder(first.Length + 2);
                JsonText.AppendQuoted(sb, first);
                Out(sb.ToString());
            }
            Out(": ");
            frame.Expect = Expect.Value;
            return PayloadStep.Continue;
        }
        frame.Kind = Kind.Set;
        Out('[');
        Out(first);
        frame.PendingComma = true;
        frame.Expect = Expect.Value;
        return PayloadStep.Continue;
    }

    private PayloadStep Close(Frame frame)
    {
        if (frame.Kind == Kind.DictOrSet)
        {
            var first = frame.Buffer!.ToString();
            frame.Buffer = null;
            if (frame.Count == 0)
            {
                Out("{}");
            }
            else
            {
                Out('[');
                Out(first);
                Out(']');
            }
        }
        else
        {
            Out(frame.Kind is Kind.KwArgs or Kind.Dict or Kind.BareDict ? '}' : ']');
        }
        _frames.RemoveAt(_frames.Count - 1);
        _pool.Push(frame);
        if (_frames.Count == 0)
        {
            _lex = Lex.Done;
            return PayloadStep.Complete;
        }
        return ValueDone();
    }

    private PayloadStep ValueDone()
    {
        var frame = Top;
        if (frame is null)
        {
            return Fail("A value outside any container.");
        }
        frame.Count++;
        frame.Expect = Expect.CommaOrClose;
        return PayloadStep.Continue;
    }

    private bool AtValueOrKey(out string error)
    {
        error = "";
        var frame = Top;
        if (frame is null)
        {
            error = "The arguments must be an object.";
            return false;
        }
        if (frame.Expect is Expect.Value or Expect.FirstOrClose)
        {
            if (frame.PendingComma)
            {
                frame.PendingComma = false;
                Out(", ");
            }
            return true;
        }
        if (frame.Expect == Expect.KeyOrClose && frame.Kind is Kind.Dict or Kind.BareDict)
        {
            return true;
        }
        error = frame.Expect == Expect.CommaOrClose ? "Expected ',' or a closing bracket." : "Unexpected value.";
        return false;
    }

    private void MemberComma(Frame frame)
    {
        if (frame.Count > 0 && frame.Expect == Expect.KeyOrClose && frame.Kind is Kind.KwArgs or Kind.Dict or Kind.BareDict)
        {
            Out(", ");
            frame.Expect = Expect.KeyOrClose;
        }
    }

    private static char CloseOf(Kind kind) => kind switch
    {
        Kind.KwArgs or Kind.Tuple => ')',
        Kind.List => ']',
        _ => '}',
    };

    private Frame? Top => _frames.Count == 0 ? null : _frames[^1];

    private StringBuilder? Buffer
    {
        get
        {
            for (var i = _frames.Count - 1; i >= 0; i--)
            {
                if (_frames[i].Buffer is { } b)
                {
                    return b;
                }
            }
            return null;
        }
    }

    private Frame Push(Kind kind, Expect expect)
    {
        var frame = _pool.Count > 0 ? _pool.Pop() : new Frame();
        frame.Kind = kind;
        frame.Expect = expect;
        frame.Count = 0;
        frame.PendingComma = false;
        frame.Buffer = null;
        _frames.Add(frame);
        return frame;
    }

    private void Out(char c)
    {
        if (Buffer is { } b)
        {
            b.Append(c);
        }
        else
        {
            _sink.AppendArguments(c);
        }
    }

    private void Out(string s)
    {
        if (Buffer is { } b)
        {
            b.Append(s);
        }
        else
        {
            _sink.AppendArguments(s);
        }
    }

    private PayloadStep Fail(string message)
    {
        Error = message;
        return PayloadStep.Error;
    }
}
