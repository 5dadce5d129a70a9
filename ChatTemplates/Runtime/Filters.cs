using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>Jinja2's built-in filters (and Hugging Face's <c>tojson</c>), with the argument names and defaults Jinja2 gives them.</summary>
internal static partial class Filters
{
    private delegate object? Filter(Renderer renderer, object? value, CallArguments args);

    private static readonly Dictionary<string, Filter> All = new(StringComparer.Ordinal)
    {
        ["tojson"] = (_, v, a) => ToJson(v, a),
        ["trim"] = (_, v, a) => PythonStrings.Strip(PythonFormatting.Str(v), a.Get(0, "chars") as string, true, true),
        ["length"] = (_, v, _) => PythonOperators.Length(v),
        ["count"] = (_, v, _) => PythonOperators.Length(v),
        ["join"] = Join,
        ["default"] = Default,
        ["d"] = Default,
        ["items"] = (_, v, _) => v switch
        {
            Undefined => PyIterable.Generator([]),
            PyDict d => PyIterable.Generator(d.Select(kv => (object?)new PyTuple([kv.Key, kv.Value]))),
            _ => throw new TemplateException("TypeError", "Can only get item pairs from a mapping."),
        },
        ["dictsort"] = DictSort,
        ["selectattr"] = (r, v, a) => Select(r, v, a, byAttribute: true, keep: true),
        ["rejectattr"] = (r, v, a) => Select(r, v, a, byAttribute: true, keep: false),
        ["select"] = (r, v, a) => Select(r, v, a, byAttribute: false, keep: true),
        ["reject"] = (r, v, a) => Select(r, v, a, byAttribute: false, keep: false),
        ["map"] = Map,
        ["list"] = (_, v, _) => PythonOperators.Iterate(v).ToList(),
        ["first"] = (_, v, _) =>
        {
            foreach (var item in PythonOperators.Iterate(v)) return item;
            return Undefined.WithHint("No first item, sequence was empty.");
        },
        ["last"] = (_, v, _) => v switch
        {
            string s => s.Length > 0 ? s[^1].ToString() : Undefined.WithHint("No last item, sequence was empty."),
            IReadOnlyList<object?> l => l.Count > 0 ? l[^1] : Undefined.WithHint("No last item, sequence was empty."),
            Undefined => Undefined.WithHint("No last item, sequence was empty."),
            _ => throw new TemplateException("TypeError", $"'{PythonFormatting.TypeName(v)}' object is not reversible"),
        },
        ["upper"] = (_, v, _) => PythonStrings.Upper(PythonFormatting.Str(v)),
        ["lower"] = (_, v, _) => PythonStrings.Lower(PythonFormatting.Str(v)),
        ["title"] = (_, v, _) => Title(PythonFormatting.Str(v)),
        ["capitalize"] = (_, v, _) => PythonStrings.Capitalize(PythonFormatting.Str(v)),
        ["replace"] = (_, v, a) => PythonStrings.Replace(PythonFormatting.Str(v), PythonFormatting.Str(a.Get(0, "old")),
            PythonFormatting.Str(a.Get(1, "new")), a.Get(2, "count") is long n ? n : -1),
        ["string"] = (_, v, _) => PythonFormatting.Str(v),
        ["safe"] = (_, v, _) => v as Markup ?? new Markup(PythonFormatting.Str(v)),
        ["escape"] = (_, v, _) => Markup.EscapeValue(v),
        ["e"] = (_, v, _) => Markup.EscapeValue(v),
        ["int"] = (_, v, a) => ToInt(v, a),
        ["float"] = (_, v, a) => ToFloat(v) ?? a.Get(0, "default", 0.0),
        ["abs"] = (_, v, _) => v switch
        {
            long l => (object)Math.Abs(l),
            double d => Math.Abs(d),
            bool b => b ? 1L : 0L,
            _ => throw new TemplateException("TypeError", $"bad operand type for abs(): '{PythonFormatting.TypeName(v)}'"),
        },
        ["round"] = (_, v, a) => Round(v, a),
        ["indent"] = Indent,
        ["unique"] = (r, v, a) => PyIterable.Generator(Unique(r, v, a)),
        ["sort"] = Sort,
        ["reverse"] = (_, v, _) => v switch
        {
            string s => new string(s.Reverse().ToArray()),
            IReadOnlyList<object?> l => new PyIterable($"{PythonFormatting.TypeName(v)}_reverseiterator", l.Reverse(), false),
            _ => PythonOperators.Iterate(v).Reverse().ToList(),
        },
        ["min"] = (r, v, a) => Extreme(r, v, a, -1),
        ["max"] = (r, v, a) => Extreme(r, v, a, 1),
        ["sum"] = Sum,
        ["batch"] = Batch,
        ["wordcount"] = (_, v, _) => (long)WordRegex().Count(PythonFormatting.Str(v)),
        ["center"] = (_, v, a) => PythonStrings.Center(PythonFormatting.Str(v), (int)(a.Get(0, "width", 80L) as long? ?? 80)),
        ["truncate"] = Truncate,
        ["format"] = (_, v, a) => PythonStringFormat.Percent(PythonFormatting.Str(v),
            a.Keywords.Count > 0 ? DictOf(a.Keywords) : new PyTuple([.. a.Positional])),
        ["attr"] = (_, v, a) => MemberAccess.GetPythonAttribute(v, PythonFormatting.Str(a.Get(0, "name"))),
        ["pprint"] = (_, v, _) => PythonFormatting.Repr(v),
    };

    public static object? Apply(Renderer renderer, string name, object? value, CallArguments args)
    {
        if (!All.TryGetValue(name, out var filter))
            throw new TemplateException("TemplateRuntimeError", $"No filter named {PythonFormatting.Repr(name)} found.");
        return filter(renderer, value, args);
    }

    public static bool Exists(string name) => All.ContainsKey(name);

    private static PyDict DictOf(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var d = new PyDict();
        foreach (var kv in pairs) d[kv.Key] = kv.Value;
        return d;
    }

    private static string ToJson(object? value, CallArguments a)
    {
        var indentValue = a.Get(1, "indent");
        var indent = indentValue switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            _ => throw new TemplateException("TypeError", "indent must be an int or a string"),
        };
        var separators = a.Get(2, "separators");
        string item = indent is null ? ", " : ",", key = ": ";
        if (separators is IReadOnlyList<object?> { Count: 2 } pair)
        {
            item = PythonFormatting.Str(pair[0]);
            key = PythonFormatting.Str(pair[1]);
        }
        var options = new PythonJson.Options(indent, item, key, PythonOperators.IsTruthy(a.Get(3, "sort_keys", false)),
            PythonOperators.IsTruthy(a.Get(0, "ensure_ascii", false)));
        return PythonJson.Dumps(value, options);
    }

    private static object? Join(Renderer renderer, object? value, CallArguments a)
    {
        var separator = PythonFormatting.Str(a.Get(0, "d", ""));
        var attribute = a.Get(1, "attribute");
        var items = PythonOperators.Iterate(value);
        if (attribute is not null) items = items.Select(AttributeGetter(attribute, null, false));
        var sb = new StringBuilder();
        var first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(separator);
            first = false;
            PythonFormatting.AppendStr(sb, item);
        }
        return sb.ToString();
    }

    private static object? Default(Renderer renderer, object? value, CallArguments a)
    {
        var fallback = a.Get(0, "default_value", "");
        var boolean = PythonOperators.IsTruthy(a.Get(1, "boolean", false));
        if (value is Undefined || (boolean && !PythonOperators.IsTruthy(value))) return fallback;
        return value;
    }

    /// <summary>Jinja2's <c>make_attrgetter</c>: dotted paths through <c>getitem</c>, integers as indices.</summary>
    private static Func<object?, object?> AttributeGetter(object? attribute, object? fallback, bool lowerStrings)
    {
        object?[] parts = attribute is string s
            ? s.Split('.').Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (object?)n : p).ToArray()
            : [attribute];
        return item =>
        {
            foreach (var part in parts)
            {
                item = MemberAccess.GetItem(item, part);
                if (item is Undefined && fallback is not null) item = fallback;
            }
            return lowerStrings && item is string str ? str.ToLowerInvariant() : item;
        };
    }

    private static object? Select(Renderer renderer, object? value, CallArguments a, bool byAttribute, bool keep)
    {
        var offset = 0;
        Func<object?, object?> pick = x => x;
        if (byAttribute)
        {
            pick = AttributeGetter(a.Positional.Count > 0 ? a.Positional[0] : null, null, false);
            offset = 1;
        }
        Func<object?, bool> test;
        if (a.Positional.Count > offset)
        {
            var testName = PythonFormatting.Str(a.Positional[offset]);
            var testArgs = new CallArguments(a.Positional.Skip(offset + 1).ToList(), a.Keywords);
            test = x => JinjaTests.Apply(renderer, testName, x, testArgs);
        }
        else test = PythonOperators.IsTruthy;
        return PyIterable.Generator(LazyItems(value).Where(item => test(pick(item)) == keep));
    }

    /// <summary>Jinja2's generator filters iterate nothing when their input is falsy (None included), and only when consumed.</summary>
    private static IEnumerable<object?> LazyItems(object? value)
    {
        if (!PythonOperators.IsTruthy(value)) yield break;
        foreach (var item in PythonOperators.Iterate(value)) yield return item;
    }

    private static object? Map(Renderer renderer, object? value, CallArguments a)
    {
        var items = LazyItems(value);
        if (a.Positional.Count > 0 && a.Positional[0] is string filterName)
        {
            var rest = new CallArguments(a.Positional.Skip(1).ToList(), a.Keywords);
            return PyIterable.Generator(items.Select(item => Apply(renderer, filterName, item, rest)));
        }
        var attribute = a.Get(-1, "attribute");
        var getter = AttributeGetter(attribute, a.Get(-1, "default"), false);
        return PyIterable.Generator(items.Select(getter));
    }

    private static object? DictSort(Renderer renderer, object? value, CallArguments a)
    {
        if (value is not PyDict d) throw new TemplateException("TypeError", "dictsort requires a mapping");
        var caseSensitive = PythonOperators.IsTruthy(a.Get(0, "case_sensitive", false));
        var byValue = PythonFormatting.Str(a.Get(1, "by", "key")) == "value";
        var reverse = PythonOperators.IsTruthy(a.Get(2, "reverse", false));
        var sorted = d.Select(kv => new PyTuple([kv.Key, kv.Value]))
            .OrderBy(t => SortKey(byValue ? t[1] : t[0], caseSensitive), PythonOperators.OrderComparer).ToList();
        if (reverse) sorted.Reverse();
        return sorted.Cast<object?>().ToList();
    }

    private static object? SortKey(object? value, bool caseSensitive) => !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    private static object? Sort(Renderer renderer, object? value, CallArguments a)
    {
        var reverse = PythonOperators.IsTruthy(a.Get(0, "reverse", false));
        var caseSensitive = PythonOperators.IsTruthy(a.Get(1, "case_sensitive", false));
        var attribute = a.Get(2, "attribute");
        var key = attribute is null ? (x => x) : AttributeGetter(attribute, null, false);
        var items = PythonOperators.Iterate(value).ToList();
        var sorted = reverse
            ? items.OrderByDescending(x => SortKey(key(x), caseSensitive), PythonOperators.OrderComparer)
            : items.OrderBy(x => SortKey(key(x), caseSensitive), PythonOperators.OrderComparer);
        return sorted.ToList();
    }

    private static IEnumerable<object?> Unique(Renderer renderer, object? value, CallArguments a)
    {
        var caseSensitive = PythonOperators.IsTruthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var key = attribute is null ? (x => x) : AttributeGetter(attribute, null, false);
        var seen = new List<object?>();
        foreach (var item in PythonOperators.Iterate(value))
        {
            var k = SortKey(key(item), caseSensitive);
            if (seen.Any(s => PythonOperators.AreEqual(s, k))) continue;
            seen.Add(k);
            yield return item;
        }
    }

    private static object? Extreme(Renderer renderer, object? value, CallArguments a, int sign)
    {
        var caseSensitive = PythonOperators.IsTruthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var key = attribute is null ? (x => x) : AttributeGetter(attribute, null, false);
        object? best = null;
        var found = false;
        foreach (var item in PythonOperators.Iterate(value))
        {
            if (!found || PythonOperators.Compare(SortKey(key(item), caseSensitive), SortKey(key(best), caseSensitive)) * sign > 0)
                best = item;
            found = true;
        }
        return found ? best : Undefined.WithHint($"No aggregated item, sequence was empty.");
    }

    private static object? Sum(Renderer renderer, object? value, CallArguments a)
    {
        var attribute = a.Get(0, "attribute");
        object? total = a.Get(1, "start", 0L);
        var key = attribute is null ? (x => x) : AttributeGetter(attribute, null, false);
        foreach (var item in PythonOperators.Iterate(value)) total = PythonOperators.Arithmetic("+", total, key(item));
        return total;
    }

    private static object? Batch(Renderer renderer, object? value, CallArguments a)
    {
        var size = a.Get(0, "linecount") as long? ?? throw new TemplateException("TypeError", "batch needs a line count");
        var hasFill = a.Has(1, "fill_with");
        var fill = a.Get(1, "fill_with");
        var batches = new List<object?>();
        List<object?>? current = null;
        foreach (var item in PythonOperators.Iterate(value))
        {
            current ??= [];
            current.Add(item);
            if (current.Count == size) { batches.Add(current); current = null; }
        }
        if (current is not null)
        {
            if (hasFill && fill is not null) while (current.Count < size) current.Add(fill);
            batches.Add(current);
        }
        return PyIterable.Generator(batches);
    }

    private static object? Truncate(Renderer renderer, object? value, CallArguments a)
    {
        var s = PythonFormatting.Str(value);
        var length = (int)(a.Get(0, "length", 255L) as long? ?? 255);
        var killWords = PythonOperators.IsTruthy(a.Get(1, "killwords", false));
        var end = PythonFormatting.Str(a.Get(2, "end", "..."));
        var leeway = (int)(a.Get(3, "leeway") as long? ?? 5);
        if (s.Length <= length + leeway) return s;
        var cut = Math.Max(0, length - end.Length);
        if (killWords) return s[..cut] + end;
        var head = s[..cut];
        var space = head.LastIndexOf(' ');
        return (space >= 0 ? head[..space] : head) + end;
    }

    private static object? Indent(Renderer renderer, object? value, CallArguments a)
    {
        var width = a.Get(0, "width", 4L);
        var indentation = width is string w ? w : new string(' ', (int)(width as long? ?? 4));
        var first = PythonOperators.IsTruthy(a.Get(1, "first", false));
        var blank = PythonOperators.IsTruthy(a.Get(2, "blank", false));
        var lines = PythonStrings.SplitLines(PythonFormatting.Str(value) + "\n", false);
        string result;
        if (blank) result = string.Join("\n" + indentation, lines);
        else
        {
            var sb = new StringBuilder(lines[0]);
            for (var i = 1; i < lines.Count; i++)
            {
                sb.Append('\n');
                if (lines[i].Length > 0) sb.Append(indentation);
                sb.Append(lines[i]);
            }
            result = sb.ToString();
        }
        return first ? indentation + result : result;
    }

    private static object? ToInt(object? value, CallArguments a)
    {
        var fallback = a.Get(0, "default", 0L);
        switch (value)
        {
            case long or bool: return value is bool b ? (b ? 1L : 0L) : value;
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                var trimmed = s.Trim().Replace("_", "");
                var numberBase = (int)(a.Get(1, "base", 10L) as long? ?? 10);
                try
                {
                    if (numberBase == 10 && long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
                    if (numberBase != 10) return Convert.ToInt64(trimmed, numberBase);
                }
                catch (FormatException) { }
                return ToFloat(s) is double f && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    private static double? ToFloat(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        string s when s.Trim().ToLowerInvariant() is "inf" or "+inf" or "infinity" => double.PositiveInfinity,
        string s when s.Trim().ToLowerInvariant() is "-inf" or "-infinity" => double.NegativeInfinity,
        string s when s.Trim().ToLowerInvariant() is "nan" => double.NaN,
        _ => null,
    };

    private static object? Round(object? value, CallArguments a)
    {
        var precision = (int)(a.Get(0, "precision", 0L) as long? ?? 0);
        var method = PythonFormatting.Str(a.Get(1, "method", "common"));
        if (method == "common" && value is long) return value;
        var x = ToFloat(value) ?? throw new TemplateException("TypeError", $"type {PythonFormatting.TypeName(value)} doesn't define __round__ method");
        var scale = Math.Pow(10, precision);
        return method switch
        {
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => Math.Round(x, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
        };
    }

    /// <summary>Jinja2's <c>title</c>: capitalizes each word, words starting after whitespace, dashes and opening brackets.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var part in TitleSplitRegex().Split(s))
        {
            if (part.Length == 0) continue;
            sb.Append(char.ToUpperInvariant(part[0])).Append(part[1..].ToLowerInvariant());
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex TitleSplitRegex();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();
}
