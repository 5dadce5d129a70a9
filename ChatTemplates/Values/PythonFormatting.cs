using System.Globalization;
using System.Text;

namespace Cluster.ChatTemplates.Values;

/// <summary>Python's <c>str()</c>, <c>repr()</c> and type names for template values, byte for byte.</summary>
public static class PythonFormatting
{
    /// <summary>Python's <c>str(value)</c>, except that Undefined renders as the empty string (as Jinja2 prints it).</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Markup m => m.Text,
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        System.Numerics.BigInteger big => big.ToString(CultureInfo.InvariantCulture),
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Appends <c>str(value)</c> without an intermediate string for the common cases.</summary>
    public static void AppendStr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case string s: sb.Append(s); break;
            case long l: sb.Append(l); break;
            case Markup m: sb.Append(m.Text); break;
            case Undefined: break;
            default: sb.Append(Str(value)); break;
        }
    }

    /// <summary>Python's <c>repr(value)</c>.</summary>
    public static string Repr(object? value)
    {
        var sb = StringBuilderCache.Acquire();
        AppendRepr(sb, value);
        return StringBuilderCache.GetStringAndRelease(sb);
    }

    private static void AppendRepr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case string s: AppendStringRepr(sb, s); break;
            case Markup m: sb.Append("Markup("); AppendStringRepr(sb, m.Text); sb.Append(')'); break;
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l); break;
            case double d: sb.Append(FloatRepr(d)); break;
            case System.Numerics.BigInteger big: sb.Append(big.ToString(CultureInfo.InvariantCulture)); break;
            case Undefined: sb.Append("Undefined"); break;
            case List<object?> list: AppendSequence(sb, list, '[', ']', false); break;
            case PyTuple t: AppendSequence(sb, t, '(', ')', t.Count == 1); break;
            case PyDict dict:
                sb.Append('{');
                var first = true;
                foreach (var kv in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendRepr(sb, kv.Key);
                    sb.Append(": ");
                    AppendRepr(sb, kv.Value);
                }
                sb.Append('}');
                break;
            case Namespace ns: sb.Append("<Namespace "); AppendRepr(sb, ns.Attributes); sb.Append('>'); break;
            case PyIterable it: sb.Append('<').Append(it.TypeName).Append(" object>"); break;
            case PyCallable c: sb.Append("<function ").Append(c.Name).Append('>'); break;
            default: sb.Append(value.ToString()); break;
        }
    }

    private static void AppendSequence(StringBuilder sb, IEnumerable<object?> items, char open, char close, bool trailingComma)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, item);
        }
        if (trailingComma) sb.Append(',');
        sb.Append(close);
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote || c == '\\') sb.Append('\\').Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                var cp = char.ConvertToUtf32(c, s[i + 1]);
                if (IsPrintable(CharUnicodeInfo.GetUnicodeCategory(cp))) sb.Append(c).Append(s[i + 1]);
                else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
                i++;
            }
            else if (c == ' ' || IsPrintable(CharUnicodeInfo.GetUnicodeCategory(c))) sb.Append(c);
            else if (c < 0x100) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    // Python's str.isprintable: everything except "Other" and "Separator" categories (space is handled by the caller).
    private static bool IsPrintable(UnicodeCategory category) => category switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // "E16" is not shortest; "R" is, but its layout differs from Python's, so re-lay the digits out ourselves.
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative) r = r[1..];
        string mantissa = r;
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = r[..e];
            exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        }
        var dot = mantissa.IndexOf('.');
        var digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        var pointPos = (dot >= 0 ? dot : mantissa.Length) + exponent;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var decimalExponent = pointPos - 1;
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(decimalExponent < 0 ? '-' : '+').Append(Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (pointPos <= 0)
        {
            sb.Append("0.").Append('0', -pointPos).Append(digits);
        }
        else if (pointPos >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }
        return sb.ToString();
    }

    /// <summary>The Python type name of a value (<c>str</c>, <c>int</c>, <c>dict</c>, <c>NoneType</c>, …).</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        string => "str",
        Markup => "Markup",
        bool => "bool",
        long or System.Numerics.BigInteger => "int",
        double => "float",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        Namespace => "Namespace",
        Undefined => "Undefined",
        PyIterable it => it.TypeName,
        Runtime.Macro => "Macro",
        BuiltinCallable b => b.TypeName,
        _ => value.GetType().Name,
    };
}
