using System.Numerics;

namespace Cluster.ChatTemplates.Values;

/// <summary>Python semantics of the operators templates use: truthiness, equality, ordering, arithmetic, <c>in</c>, <c>len</c>, iteration.</summary>
public static class PythonOperators
{
    /// <summary>Orders values as Python's <c>&lt;</c> does (raising <c>TypeError</c> for unorderable pairs).</summary>
    public static IComparer<object?> OrderComparer { get; } = Comparer<object?>.Create(Compare);

    /// <summary>Python truthiness.</summary>
    /// <summary>The text of a <see cref="Markup"/>, or the value itself: Markup acts as a str everywhere but <c>+</c>.</summary>
    public static object? Unwrap(object? value) => value is Markup m ? m.Text : value;

    public static bool IsTruthy(object? value) => Unwrap(value) switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        Undefined => false,
        List<object?> l => l.Count > 0,
        PyTuple t => t.Count > 0,
        PyDict d => d.Count > 0,
        PyIterable { HasLength: true } it => it.Any(),
        _ => true,
    };

    private static bool IsNumber(object? v) => v is long or double or bool;

    private static double ToDouble(object? v) => v switch { long l => l, double d => d, bool b => b ? 1 : 0, _ => 0 };

    private static long ToLong(object? v) => v switch { long l => l, bool b => b ? 1 : 0, _ => 0 };

    /// <summary>Python <c>==</c>.</summary>
    public static bool AreEqual(object? a, object? b)
    {
        a = Unwrap(a);
        b = Unwrap(b);
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a) == ToDouble(b);
            return ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case string sa: return b is string sb && sa == sb;
            case Undefined: return b is Undefined;
            case List<object?> la: return b is List<object?> lb && SequenceEqual(la, lb);
            case PyTuple ta: return b is PyTuple tb && SequenceEqual(ta, tb);
            case PyDict da:
                if (b is not PyDict db || da.Count != db.Count) return false;
                foreach (var kv in da)
                    if (!db.TryGetValue(kv.Key, out var other) || !AreEqual(kv.Value, other)) return false;
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!AreEqual(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Python three-way ordering for <c>&lt;</c>, <c>sort</c>, <c>min</c>/<c>max</c>.</summary>
    public static int Compare(object? a, object? b) => Compare(a, b, "<");

    /// <summary>As <see cref="Compare(object?, object?)"/>; <paramref name="op"/> names the operator in errors.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        a = Unwrap(a);
        b = Unwrap(b);
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb);
        if (a is IReadOnlyList<object?> la && b is IReadOnlyList<object?> lb && a.GetType() == b.GetType())
        {
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (AreEqual(la[i], lb[i])) continue;
                return Compare(la[i], lb[i], op);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined ub) throw ub.Fail();
        throw new TemplateException("TypeError",
            $"'{op}' not supported between instances of '{PythonFormatting.TypeName(a)}' and '{PythonFormatting.TypeName(b)}'");
    }

    /// <summary>Python <c>needle in haystack</c>.</summary>
    public static bool Contains(object? haystack, object? needle)
    {
        haystack = Unwrap(haystack);
        needle = Unwrap(needle);
        switch (haystack)
        {
            case string s:
                if (needle is string n) return s.Contains(n, StringComparison.Ordinal);
                throw new TemplateException("TypeError", $"'in <string>' requires string as left operand, not {PythonFormatting.TypeName(needle)}");
            case PyDict d: return d.TryGet(needle, out _);
            case Undefined: return false;
            case null: throw new TemplateException("TypeError", "argument of type 'NoneType' is not iterable");
            case IEnumerable<object?> items:
                foreach (var item in items)
                    if (AreEqual(item, needle)) return true;
                return false;
            default:
                throw new TemplateException("TypeError", $"argument of type '{PythonFormatting.TypeName(haystack)}' is not iterable");
        }
    }

    /// <summary>Python <c>len()</c> (0 for Undefined, as Jinja2's Undefined defines it).</summary>
    public static long Length(object? value) => Unwrap(value) switch
    {
        string s => CodePointCount(s),
        List<object?> l => l.Count,
        PyTuple t => t.Count,
        PyDict d => d.Count,
        Namespace => throw new TemplateException("TypeError", "object of type 'Namespace' has no len()"),
        Undefined => 0,
        PyIterable { HasLength: true } it => it.Count(),
        _ => throw new TemplateException("TypeError", $"object of type '{PythonFormatting.TypeName(value)}' has no len()"),
    };

    private static long CodePointCount(string s)
    {
        long n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            n++;
        }
        return n;
    }

    /// <summary>Python <c>iter()</c>: strings by character, dicts by key; Undefined is empty.</summary>
    public static IEnumerable<object?> Iterate(object? value) => Unwrap(value) switch
    {
        string s => IterateString(s),
        PyDict d => d.Keys.Cast<object?>().ToList(),
        Undefined => [],
        IEnumerable<object?> items => items,
        _ => throw new TemplateException("TypeError", $"'{PythonFormatting.TypeName(value)}' object is not iterable"),
    };

    private static IEnumerable<object?> IterateString(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                yield return s.Substring(i, 2);
                i++;
            }
            else yield return s[i].ToString();
        }
    }

    /// <summary>Applies a binary arithmetic operator (<c>+ - * / // % **</c>) with Python semantics.</summary>
    public static object? Arithmetic(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        if (IsNumber(a) && IsNumber(b)) return NumberArithmetic(op, a!, b!);
        if (op == "+" && (a is Markup || b is Markup) && a is string or Markup && b is string or Markup)
            return new Markup(Markup.EscapeValue(a).Text + Markup.EscapeValue(b).Text);
        a = Unwrap(a);
        b = Unwrap(b);
        switch (op)
        {
            case "+":
                if (a is string sa && b is string sb) return string.Concat(sa, sb);
                if (a is List<object?> la && b is List<object?> lb) return new List<object?>(la.Concat(lb));
                if (a is PyTuple ta && b is PyTuple tb) return new PyTuple([.. ta, .. tb]);
                if (a is string) throw new TemplateException("TypeError", $"can only concatenate str (not \"{PythonFormatting.TypeName(b)}\") to str");
                if (a is List<object?>) throw new TemplateException("TypeError", $"can only concatenate list (not \"{PythonFormatting.TypeName(b)}\") to list");
                break;
            case "*":
                if (a is string s1 && b is long or bool) return Repeat(s1, ToLong(b));
                if (b is string s2 && a is long or bool) return Repeat(s2, ToLong(a));
                if (a is List<object?> l1 && b is long n1) return RepeatList(l1, n1);
                if (b is List<object?> l2 && a is long n2) return RepeatList(l2, n2);
                break;
            case "%":
                if (a is string fmt) return PythonStringFormat.Percent(fmt, b);
                break;
        }
        throw new TemplateException("TypeError",
            $"unsupported operand type(s) for {op}: '{PythonFormatting.TypeName(a)}' and '{PythonFormatting.TypeName(b)}'");
    }

    private static string Repeat(string s, long n) => n <= 0 ? "" : new System.Text.StringBuilder().Insert(0, s, (int)n).ToString();

    private static List<object?> RepeatList(List<object?> l, long n)
    {
        var result = new List<object?>();
        for (var i = 0; i < n; i++) result.AddRange(l);
        return result;
    }

    private static object NumberArithmetic(string op, object a, object b)
    {
        var isFloat = a is double || b is double;
        if (op == "/")
        {
            var divisor = ToDouble(b);
            if (divisor == 0) throw new TemplateException("ZeroDivisionError", isFloat ? "float division by zero" : "division by zero");
            return ToDouble(a) / divisor;
        }
        if (isFloat)
        {
            double x = ToDouble(a), y = ToDouble(b);
            switch (op)
            {
                case "+": return x + y;
                case "-": return x - y;
                case "*": return x * y;
                case "**": return Math.Pow(x, y);
                case "//":
                    if (y == 0) throw new TemplateException("ZeroDivisionError", "float floor division by zero");
                    return Math.Floor(x / y);
                case "%":
                    if (y == 0) throw new TemplateException("ZeroDivisionError", "float modulo");
                    var m = x % y;
                    return m != 0 && (m < 0) != (y < 0) ? m + y : m;
            }
        }
        else
        {
            long x = ToLong(a), y = ToLong(b);
            switch (op)
            {
                case "+": return x + y;
                case "-": return x - y;
                case "*": return x * y;
                case "**": return y >= 0 ? (object)(long)BigInteger.Pow(x, (int)y) : Math.Pow(x, y);
                case "//":
                    if (y == 0) throw new TemplateException("ZeroDivisionError", "integer division or modulo by zero");
                    return FloorDiv(x, y);
                case "%":
                    if (y == 0) throw new TemplateException("ZeroDivisionError", "integer modulo by zero");
                    return x - (FloorDiv(x, y) * y);
            }
        }
        throw new TemplateException("TypeError", $"unsupported operator {op}");
    }

    private static long FloorDiv(long x, long y)
    {
        var q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    /// <summary>Unary minus.</summary>
    public static object? Negate(object? value) => value switch
    {
        long l => (object)(-l),
        double d => -d,
        bool b => b ? -1L : 0L,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException("TypeError", $"bad operand type for unary -: '{PythonFormatting.TypeName(value)}'"),
    };
}
