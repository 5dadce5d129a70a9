using System.Text;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>The Python methods templates call on strings, dicts and lists (<c>content.strip()</c>, <c>message.get('x')</c>, …).</summary>
internal static class Methods
{
    private static readonly HashSet<string> MutatingListMethods = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"];
    private static readonly HashSet<string> MutatingDictMethods = ["clear", "pop", "popitem", "setdefault", "update"];

    /// <summary>Whether the immutable sandbox refuses this attribute (it would modify a list or dict in place).</summary>
    public static bool IsMutating(object? target, string name) => target switch
    {
        List<object?> => MutatingListMethods.Contains(name),
        PyDict => MutatingDictMethods.Contains(name),
        _ => false,
    };

    private delegate object? StringMethod(string self, CallArguments args);

    private delegate object? DictMethod(PyDict self, CallArguments args);

    private delegate object? SequenceMethod(IReadOnlyList<object?> self, CallArguments args);

    /// <summary>The bound method <paramref name="name"/> of <paramref name="target"/>, or null when it has none.</summary>
    public static PyCallable? Bind(object? target, string name)
    {
        switch (PythonOperators.Unwrap(target))
        {
            case string s when StringMethodNamed(name) is { } method:
                return new BuiltinCallable(name, (_, args) => method(s, args));
            case PyDict d when DictMethodNamed(name) is { } method:
                return new BuiltinCallable(name, (_, args) => method(d, args));
            case List<object?> l when name == "copy":
                return new BuiltinCallable(name, (_, _) => new List<object?>(l));
            case IReadOnlyList<object?> items and (List<object?> or PyTuple) when SequenceMethodNamed(name) is { } method:
                return new BuiltinCallable(name, (_, args) => method(items, args));
            default:
                return null;
        }
    }

    /// <summary>
    /// Calls <c>target.name(arguments)</c> without creating a bound method when <paramref name="target"/> is a str, dict
    /// or list that has that method; otherwise returns false and the caller resolves the attribute as usual.
    /// </summary>
    public static bool TryInvoke(object? target, string name, CallArguments arguments, out object? result)
    {
        switch (PythonOperators.Unwrap(target))
        {
            case string s when StringMethodNamed(name) is { } method:
                result = method(s, arguments);
                return true;
            case PyDict d when DictMethodNamed(name) is { } method:
                result = method(d, arguments);
                return true;
            case IReadOnlyList<object?> items and (List<object?> or PyTuple) when SequenceMethodNamed(name) is { } method:
                result = method(items, arguments);
                return true;
            default:
                result = null;
                return false;
        }
    }

    private static string? OptionalString(CallArguments args, int position, string name) => args.Get(position, name) switch
    {
        null => null,
        string s => s,
        var other => throw new TemplateException("TypeError", $"{name} arg must be None or str, not {PythonFormatting.TypeName(other)}"),
    };

    private static string RequireString(object? value, string method) => value as string
        ?? throw new TemplateException("TypeError", $"{method}() argument must be str, not {PythonFormatting.TypeName(value)}");

    private static StringMethod? StringMethodNamed(string name) => name switch
    {
        "strip" => static (s, a) => PythonStrings.Strip(s, OptionalString(a, 0, "chars"), true, true),
        "lstrip" => static (s, a) => PythonStrings.Strip(s, OptionalString(a, 0, "chars"), true, false),
        "rstrip" => static (s, a) => PythonStrings.Strip(s, OptionalString(a, 0, "chars"), false, true),
        "split" => static (s, a) => PythonStrings.Split(s, OptionalString(a, 0, "sep"), MaxSplit(a)),
        "rsplit" => static (s, a) => PythonStrings.RSplit(s, OptionalString(a, 0, "sep"), MaxSplit(a)),
        "splitlines" => static (s, a) => PythonStrings.SplitLines(s, PythonOperators.IsTruthy(a.Get(0, "keepends", false))).Cast<object?>().ToList(),
        "startswith" => static (s, a) => Affix(s, a.Get(0, "prefix"), "startswith", (x, p) => x.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => static (s, a) => Affix(s, a.Get(0, "suffix"), "endswith", (x, p) => x.EndsWith(p, StringComparison.Ordinal)),
        "replace" => static (s, a) => PythonStrings.Replace(s, RequireString(a.Get(0, "old"), "replace"), RequireString(a.Get(1, "new"), "replace"),
            a.Get(2, "count") is long n ? n : -1),
        "upper" => static (s, _) => PythonStrings.Upper(s),
        "lower" => static (s, _) => PythonStrings.Lower(s),
        "title" => static (s, _) => PythonStrings.Title(s),
        "capitalize" => static (s, _) => PythonStrings.Capitalize(s),
        "swapcase" => static (s, _) => string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))),
        "format" => static (s, a) => PythonStringFormat.Format(s, a),
        "find" => static (s, a) => (long)s.IndexOf(RequireString(a.Get(0, "sub"), "find"), StringComparison.Ordinal),
        "rfind" => static (s, a) => (long)s.LastIndexOf(RequireString(a.Get(0, "sub"), "rfind"), StringComparison.Ordinal),
        "index" => static (s, a) => s.IndexOf(RequireString(a.Get(0, "sub"), "index"), StringComparison.Ordinal) is var i and >= 0
            ? (long)i : throw new TemplateException("ValueError", "substring not found"),
        "count" => static (s, a) => PythonStrings.Count(s, RequireString(a.Get(0, "sub"), "count")),
        "join" => static (s, a) => string.Join(s, PythonOperators.Iterate(a.Get(0, "iterable")).Select((item, i) =>
            PythonOperators.Unwrap(item) as string
            ?? throw new TemplateException("TypeError", $"sequence item {i}: expected str instance, {PythonFormatting.TypeName(item)} found"))),
        "isdigit" or "isnumeric" or "isdecimal" => static (s, _) => s.Length > 0 && s.All(char.IsDigit),
        "isalpha" => static (s, _) => s.Length > 0 && s.All(char.IsLetter),
        "isalnum" => static (s, _) => s.Length > 0 && s.All(char.IsLetterOrDigit),
        "isspace" => static (s, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
        "isupper" => static (s, _) => s.Any(char.IsLetter) && !s.Any(char.IsLower),
        "islower" => static (s, _) => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        "zfill" => static (s, a) => s.PadLeft((int)(a.Get(0, "width") as long? ?? 0), '0'),
        "center" => static (s, a) => PythonStrings.Center(s, (int)(a.Get(0, "width") as long? ?? 0)),
        "ljust" => static (s, a) => s.PadRight((int)(a.Get(0, "width") as long? ?? 0)),
        "rjust" => static (s, a) => s.PadLeft((int)(a.Get(0, "width") as long? ?? 0)),
        "removeprefix" => static (s, a) => a.Get(0, "prefix") is string p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s,
        "removesuffix" => static (s, a) => a.Get(0, "suffix") is string p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s,
        _ => null,
    };

    private static long MaxSplit(CallArguments args) => args.Get(1, "maxsplit") is long n ? n : -1;

    private static bool Affix(string s, object? affix, string method, Func<string, string, bool> test) => affix switch
    {
        string a => test(s, a),
        PyTuple t => t.Any(item => test(s, RequireString(item, method))),
        _ => throw new TemplateException("TypeError", $"{method} first arg must be str or a tuple of str, not {PythonFormatting.TypeName(affix)}"),
    };

    private static DictMethod? DictMethodNamed(string name) => name switch
    {
        "get" => static (d, a) => d.TryGet(a.Get(0, "key"), out var v) ? v : a.Get(1, "default"),
        "items" => static (d, _) => new PyIterable("dict_items", d.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])), true),
        "keys" => static (d, _) => new PyIterable("dict_keys", d.Keys.Cast<object?>(), true),
        "values" => static (d, _) => new PyIterable("dict_values", d.Values, true),
        "copy" => static (d, _) =>
        {
            var copy = new PyDict();
            foreach (var kv in d) copy[kv.Key] = kv.Value;
            return copy;
        },
        _ => null,
    };

    private static SequenceMethod? SequenceMethodNamed(string name) => name switch
    {
        "count" => static (items, a) => (long)items.Count(item => PythonOperators.AreEqual(item, a.Get(0, "value"))),
        "index" => static (items, a) =>
        {
            for (var i = 0; i < items.Count; i++)
                if (PythonOperators.AreEqual(items[i], a.Get(0, "value"))) return (long)i;
            throw new TemplateException("ValueError", $"{PythonFormatting.Repr(a.Get(0, "value"))} is not in list");
        },
        _ => null,
    };
}

/// <summary>Python <c>str</c> algorithms whose edge cases differ from .NET's (whitespace splitting, counted replace, title case).</summary>
internal static class PythonStrings
{
    // Python's str.split()/strip() whitespace: ASCII whitespace plus the Unicode separators .NET also treats as white space.
    private static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        Func<char, bool> strip = chars is null ? IsSpace : c => chars.Contains(c);
        if (left) while (start < end && strip(s[start])) start++;
        if (right) while (end > start && strip(s[end - 1])) end--;
        return s[start..end];
    }

    public static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var result = new List<object?>();
        if (sep is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && result.Count == maxSplit)
                {
                    result.Add(s[i..]);
                    break;
                }
                var start = i;
                while (i < s.Length && !IsSpace(s[i])) i++;
                result.Add(s[start..i]);
            }
            return result;
        }
        if (sep.Length == 0) throw new TemplateException("ValueError", "empty separator");
        var pos = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            var next = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (next < 0) break;
            result.Add(s[pos..next]);
            pos = next + sep.Length;
        }
        result.Add(s[pos..]);
        return result;
    }

    public static List<object?> RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, maxSplit);
        var result = new List<object?>();
        if (sep is null)
        {
            var i = s.Length;
            while (true)
            {
                while (i > 0 && IsSpace(s[i - 1])) i--;
                if (i <= 0) break;
                if (result.Count == maxSplit)
                {
                    result.Add(s[..i]);
                    break;
                }
                var end = i;
                while (i > 0 && !IsSpace(s[i - 1])) i--;
                result.Add(s[i..end]);
            }
        }
        else
        {
            if (sep.Length == 0) throw new TemplateException("ValueError", "empty separator");
            var end = s.Length;
            while (result.Count < maxSplit)
            {
                var found = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
                if (found < 0 || found + sep.Length > end) break;
                result.Add(s[(found + sep.Length)..end]);
                end = found;
            }
            result.Add(s[..end]);
        }
        result.Reverse();
        return result;
    }

    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            var end = i;
            if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            lines.Add(keepEnds ? s[start..(i + 1)] : s[start..end]);
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0) return old.Length == 0 ? InsertBetween(s, replacement, long.MaxValue) : s.Replace(old, replacement, StringComparison.Ordinal);
        if (old.Length == 0) return InsertBetween(s, replacement, count);
        var sb = new StringBuilder();
        var pos = 0;
        for (long n = 0; n < count; n++)
        {
            var next = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (next < 0) break;
            sb.Append(s, pos, next - pos).Append(replacement);
            pos = next + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static string InsertBetween(string s, string insert, long count)
    {
        var sb = new StringBuilder();
        long n = 0;
        foreach (var c in s)
        {
            if (n++ < count) sb.Append(insert);
            sb.Append(c);
        }
        if (n < count) sb.Append(insert);
        return sb.ToString();
    }

    public static long Count(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        long n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Python's <c>str.title()</c>: a letter is upper-cased after a non-letter, lower-cased after a letter.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.upper()</c>: full case mapping, so "ß" becomes "SS" (.NET maps one char to one char).</summary>
    public static string Upper(string s)
    {
        var upper = s.ToUpperInvariant();
        return upper.AsSpan().IndexOfAny("ßﬀﬁﬂﬃﬄﬅﬆ") < 0 ? upper
            : upper.Replace("ß", "SS", StringComparison.Ordinal).Replace("ﬀ", "FF", StringComparison.Ordinal)
                .Replace("ﬁ", "FI", StringComparison.Ordinal).Replace("ﬂ", "FL", StringComparison.Ordinal)
                .Replace("ﬃ", "FFI", StringComparison.Ordinal).Replace("ﬄ", "FFL", StringComparison.Ordinal)
                .Replace("ﬅ", "ST", StringComparison.Ordinal).Replace("ﬆ", "ST", StringComparison.Ordinal);
    }

    /// <summary>Python's <c>str.lower()</c>: full case mapping, so "İ" becomes "i" plus a combining dot.</summary>
    public static string Lower(string s) =>
        s.Contains('İ') ? s.Replace("İ", "i\u0307", StringComparison.Ordinal).ToLowerInvariant() : s.ToLowerInvariant();

    /// <summary>Whether indexing needs code points: Python counts a surrogate pair as one character.</summary>
    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\ud800', '\udfff') >= 0;

    /// <summary>The code points of a string, each as a string.</summary>
    public static List<string> CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        foreach (var rune in s.EnumerateRunes()) result.Add(rune.ToString());
        return result;
    }

    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static string Center(string s, int width)
    {
        if (s.Length >= width) return s;
        var total = width - s.Length;
        // CPython puts the odd extra space on the left when the width is odd... only if the string length is odd too.
        var left = (total / 2) + (total & width & 1);
        return new string(' ', left) + s + new string(' ', total - left);
    }
}
