using System.Globalization;
using System.Text;

namespace Cluster.ChatTemplates.Values;

/// <summary>Python's printf-style <c>str % args</c> and <c>str.format(...)</c>, for the conversions templates use.</summary>
public static class PythonStringFormat
{
    /// <summary><c>format % args</c>: a tuple supplies several values, anything else one.</summary>
    public static string Percent(string format, object? args)
    {
        IReadOnlyList<object?> values = args is PyTuple t ? t : [args];
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%') { sb.Append(c); continue; }
            if (++i >= format.Length) throw new TemplateException("ValueError", "incomplete format");
            object? mappingValue = null;
            var fromMapping = false;
            if (format[i] == '(')
            {
                var close = format.IndexOf(')', i);
                if (close < 0) throw new TemplateException("ValueError", "incomplete format key");
                var key = format[(i + 1)..close];
                mappingValue = args is PyDict d && d.TryGetValue(key, out var v)
                    ? v : throw new TemplateException(args is PyDict ? "KeyError" : "TypeError", args is PyDict ? PythonFormatting.Repr(key) : "format requires a mapping");
                fromMapping = true;
                i = close + 1;
            }
            // Flags, width and precision: kept simple (zero padding and precision are what templates use).
            var spec = new StringBuilder();
            while (i < format.Length && "-+ 0#.0123456789".Contains(format[i])) spec.Append(format[i++]);
            if (i >= format.Length) throw new TemplateException("ValueError", "incomplete format");
            var conversion = format[i];
            if (conversion == '%') { sb.Append('%'); continue; }
            if (fromMapping) { sb.Append(Convert(conversion, spec.ToString(), mappingValue)); continue; }
            if (next >= values.Count) throw new TemplateException("TypeError", "not enough arguments for format string");
            sb.Append(Convert(conversion, spec.ToString(), values[next++]));
        }
        if (next < values.Count && args is not PyDict)
            throw new TemplateException("TypeError", "not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static string Convert(char conversion, string spec, object? value)
    {
        var precision = -1;
        var dot = spec.IndexOf('.');
        var widthText = dot >= 0 ? spec[..dot] : spec;
        if (dot >= 0) precision = spec.Length > dot + 1 ? int.Parse(spec[(dot + 1)..], CultureInfo.InvariantCulture) : 0;
        var leftAlign = widthText.Contains('-');
        var zeroPad = widthText.TrimStart('-', '+', ' ', '#').StartsWith('0');
        var widthDigits = widthText.TrimStart('-', '+', ' ', '#', '0');
        var width = widthDigits.Length > 0 ? int.Parse(widthDigits, CultureInfo.InvariantCulture) : 0;
        string text = conversion switch
        {
            's' => PythonFormatting.Str(value),
            'r' or 'a' => PythonFormatting.Repr(value),
            'd' or 'i' or 'u' => IntegerOf(value).ToString(CultureInfo.InvariantCulture),
            'f' or 'F' => NumberOf(value).ToString("F" + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
            'x' => IntegerOf(value).ToString("x", CultureInfo.InvariantCulture),
            'X' => IntegerOf(value).ToString("X", CultureInfo.InvariantCulture),
            _ => throw new TemplateException("ValueError", $"unsupported format character '{conversion}'"),
        };
        if (conversion is 's' or 'r' && precision >= 0 && text.Length > precision) text = text[..precision];
        if (text.Length >= width) return text;
        if (leftAlign) return text.PadRight(width);
        return zeroPad && conversion is not ('s' or 'r') ? text.PadLeft(width, '0') : text.PadLeft(width);
    }

    private static long IntegerOf(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)Math.Truncate(d),
        _ => throw new TemplateException("TypeError", $"%d format: a real number is required, not {PythonFormatting.TypeName(value)}"),
    };

    private static double NumberOf(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => d,
        _ => throw new TemplateException("TypeError", $"must be real number, not {PythonFormatting.TypeName(value)}"),
    };

    /// <summary><c>str.format(*args, **kwargs)</c> with automatic, positional and named fields and an optional <c>!r</c>/<c>!s</c>.</summary>
    public static string Format(string format, CallArguments arguments)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '{')
            {
                if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }
                var close = format.IndexOf('}', i);
                if (close < 0) throw new TemplateException("ValueError", "Single '{' encountered in format string");
                var field = format[(i + 1)..close];
                i = close;
                string? conversion = null, spec = null;
                var colon = field.IndexOf(':');
                if (colon >= 0) { spec = field[(colon + 1)..]; field = field[..colon]; }
                var bang = field.IndexOf('!');
                if (bang >= 0) { conversion = field[(bang + 1)..]; field = field[..bang]; }
                object? value;
                if (field.Length == 0) value = Positional(arguments, auto++);
                else if (int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) value = Positional(arguments, index);
                else
                {
                    var found = arguments.Keywords.FirstOrDefault(kv => kv.Key == field);
                    if (found.Key is null) throw new TemplateException("KeyError", PythonFormatting.Repr(field));
                    value = found.Value;
                }
                var text = conversion == "r" ? PythonFormatting.Repr(value) : PythonFormatting.Str(value);
                if (!string.IsNullOrEmpty(spec)) text = ApplySpec(text, spec);
                sb.Append(text);
            }
            else if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') i++;
                sb.Append('}');
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static object? Positional(CallArguments arguments, int index) =>
        index < arguments.Positional.Count
            ? arguments.Positional[index]
            : throw new TemplateException("IndexError", $"Replacement index {index} out of range for positional args tuple");

    private static string ApplySpec(string text, string spec)
    {
        var align = '<';
        var fill = ' ';
        var pos = 0;
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^') { fill = spec[0]; align = spec[1]; pos = 2; }
        else if (spec[0] is '<' or '>' or '^') { align = spec[0]; pos = 1; }
        return int.TryParse(spec[pos..], NumberStyles.None, CultureInfo.InvariantCulture, out var width) && text.Length < width
            ? align switch
            {
                '>' => text.PadLeft(width, fill),
                '^' => text.PadLeft(text.Length + ((width - text.Length) / 2), fill).PadRight(width, fill),
                _ => text.PadRight(width, fill),
            }
            : text;
    }
}
