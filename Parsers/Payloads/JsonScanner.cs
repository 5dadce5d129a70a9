namespace Cluster.Parsers.Payloads;

/// <summary>What the scanner made of one character.</summary>
internal enum ScanStep : byte
{
    /// <summary>Consumed; the value goes on.</summary>
    Continue,
    /// <summary>Consumed; the top-level value is complete.</summary>
    Complete,
    /// <summary>The top-level value (a number) ended before this character, which was not consumed.</summary>
    CompleteBefore,
    /// <summary>Not valid JSON here.</summary>
    Error,
}

/// <summary>
/// An incremental JSON validator: one character at a time, constant work per character, no buffering. After each
/// <see cref="Push"/> it reports which nesting level a value started or ended at, which lets readers stream one
/// member's raw text (the arguments) while recognising the members around it.
/// </summary>
internal sealed class JsonScanner
{
    private enum Mode : byte { Value, ArrayFirst, ObjectFirst, Key, Colon, AfterValue, String, Escape, Unicode, Number, Literal, Done }

    private enum Num : byte { Minus, Zero, Int, Dot, Frac, Exp, ExpSign, ExpInt }

    private readonly List<bool> _stack = [];
    private Mode _mode;
    private bool _stringIsKey;
    private int _unicodeLeft;
    private string _literal = "";
    private int _literalPos;
    private Num _num;

    /// <summary>Level (number of enclosing containers) of a value that began with the last character, or -1.</summary>
    public int StartedLevel { get; private set; } = -1;

    /// <summary>Level of a value that ended with (including) the last character, or -1.</summary>
    public int EndedLevel { get; private set; } = -1;

    /// <summary>Level of a value (a number) that ended just before the last character, or -1.</summary>
    public int EndedBeforeLevel { get; private set; } = -1;

    /// <summary>The last character opened an object key (its quote).</summary>
    public bool KeyStarted { get; private set; }

    /// <summary>The last character closed an object key (its quote).</summary>
    public bool KeyEnded { get; private set; }

    /// <summary>Containers currently open.</summary>
    public int Depth => _stack.Count;

    public void Reset()
    {
        _stack.Clear();
        _mode = Mode.Value;
        _stringIsKey = false;
    }

    public ScanStep Push(char c)
    {
        StartedLevel = -1;
        EndedLevel = -1;
        EndedBeforeLevel = -1;
        KeyStarted = false;
        KeyEnded = false;
        return Step(c);
    }

    private ScanStep Step(char c)
    {
        switch (_mode)
        {
            case Mode.String:
                if (c == '"')
                {
                    if (_stringIsKey)
                    {
                        _stringIsKey = false;
                        KeyEnded = true;
                        _mode = Mode.Colon;
                        return ScanStep.Continue;
                    }
                    return EndValue();
                }
                if (c == '\\')
                {
                    _mode = Mode.Escape;
                    return ScanStep.Continue;
                }
                return c < 0x20 ? ScanStep.Error : ScanStep.Continue;
            case Mode.Escape:
                if (c == 'u')
                {
                    _unicodeLeft = 4;
                    _mode = Mode.Unicode;
                    return ScanStep.Continue;
                }
                if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't')
                {
                    _mode = Mode.String;
                    return ScanStep.Continue;
                }
                return ScanStep.Error;
            case Mode.Unicode:
                if (!char.IsAsciiHexDigit(c))
                {
                    return ScanStep.Error;
                }
                if (--_unicodeLeft == 0)
                {
                    _mode = Mode.String;
                }
                return ScanStep.Continue;
            case Mode.Number:
                return NumberStep(c);
            case Mode.Literal:
                if (c != _literal[_literalPos])
                {
                    return ScanStep.Error;
                }
                return ++_literalPos == _literal.Length ? EndValue() : ScanStep.Continue;
            case Mode.Done:
                return ScanStep.Error;
        }

        if (IsWhitespace(c))
        {
            return ScanStep.Continue;
        }

        switch (_mode)
        {
            case Mode.ArrayFirst:
                if (c == ']')
                {
                    _stack.RemoveAt(_stack.Count - 1);
                    return EndValue();
                }
                return BeginValue(c);
            case Mode.Value:
                return BeginValue(c);
            case Mode.ObjectFirst:
                if (c == '}')
                {
                    _stack.RemoveAt(_stack.Count - 1);
                    return EndValue();
                }
                goto case Mode.Key;
            case Mode.Key:
                if (c != '"')
                {
                    return ScanStep.Error;
                }
                _stringIsKey = true;
                KeyStarted = true;
                _mode = Mode.String;
                return ScanStep.Continue;
            case Mode.Colon:
                if (c != ':')
                {
                    return ScanStep.Error;
                }
                _mode = Mode.Value;
                return ScanStep.Continue;
            case Mode.AfterValue:
                var inObject = _stack[^1];
                if (c == ',')
                {
                    _mode = inObject ? Mode.Key : Mode.Value;
                    return ScanStep.Continue;
                }
                if ((c == '}' && inObject) || (c == ']' && !inObject))
                {
                    _stack.RemoveAt(_stack.Count - 1);
                    return EndValue();
                }
                return ScanStep.Error;
        }
        return ScanStep.Error;
    }

    private ScanStep BeginValue(char c)
    {
        StartedLevel = _stack.Count;
        switch (c)
        {
            case '{':
                _stack.Add(true);
                _mode = Mode.ObjectFirst;
                return ScanStep.Continue;
            case '[':
                _stack.Add(false);
                _mode = Mode.ArrayFirst;
                return ScanStep.Continue;
            case '"':
                _stringIsKey = false;
                _mode = Mode.String;
                return ScanStep.Continue;
            case '-':
                _num = Num.Minus;
                _mode = Mode.Number;
                return ScanStep.Continue;
            case >= '0' and <= '9':
                _num = c == '0' ? Num.Zero : Num.Int;
                _mode = Mode.Number;
                return ScanStep.Continue;
            case 't':
                return BeginLiteral("true");
            case 'f':
                return BeginLiteral("false");
            case 'n':
                return BeginLiteral("null");
            default:
                StartedLevel = -1;
                return ScanStep.Error;
        }
    }

    private ScanStep BeginLiteral(string literal)
    {
        _literal = literal;
        _literalPos = 1;
        _mode = Mode.Literal;
        return ScanStep.Continue;
    }

    private ScanStep EndValue()
    {
        EndedLevel = _stack.Count;
        if (_stack.Count == 0)
        {
            _mode = Mode.Done;
            return ScanStep.Complete;
        }
        _mode = Mode.AfterValue;
        return ScanStep.Continue;
    }

    private ScanStep NumberStep(char c)
    {
        var digit = c is >= '0' and <= '9';
        switch (_num)
        {
            case Num.Minus:
                if (!digit) return ScanStep.Error;
                _num = c == '0' ? Num.Zero : Num.Int;
                return ScanStep.Continue;
            case Num.Zero:
                if (c == '.') { _num = Num.Dot; return ScanStep.Continue; }
                if (c is 'e' or 'E') { _num = Num.Exp; return ScanStep.Continue; }
                if (digit) return ScanStep.Error;
                break;
            case Num.Int:
                if (digit) return ScanStep.Continue;
                if (c == '.') { _num = Num.Dot; return ScanStep.Continue; }
                if (c is 'e' or 'E') { _num = Num.Exp; return ScanStep.Continue; }
                break;
            case Num.Dot:
                if (!digit) return ScanStep.Error;
                _num = Num.Frac;
                return ScanStep.Continue;
            case Num.Frac:
                if (digit) return ScanStep.Continue;
                if (c is 'e' or 'E') { _num = Num.Exp; return ScanStep.Continue; }
                break;
            case Num.Exp:
                if (c is '+' or '-') { _num = Num.ExpSign; return ScanStep.Continue; }
                if (!digit) return ScanStep.Error;
                _num = Num.ExpInt;
                return ScanStep.Continue;
            case Num.ExpSign:
                if (!digit) return ScanStep.Error;
                _num = Num.ExpInt;
                return ScanStep.Continue;
            case Num.ExpInt:
                if (digit) return ScanStep.Continue;
                break;
        }
        // The number ended before this character.
        EndedBeforeLevel = _stack.Count;
        if (_stack.Count == 0)
        {
            _mode = Mode.Done;
            return ScanStep.CompleteBefore;
        }
        _mode = Mode.AfterValue;
        return Step(c);
    }

    /// <summary>Completes a top-level number at the end of the text.</summary>
    public bool FinishTopLevelNumber() =>
        _stack.Count == 0 && _mode == Mode.Number && _num is Num.Zero or Num.Int or Num.Frac or Num.ExpInt;

    private static bool IsWhitespace(char c) => c is ' ' or '\n' or '\r' or '\t';
}
