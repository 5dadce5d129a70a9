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

    /// <summary>A method found on a value, not yet called.</summary>
    private readonly record struct MethodCall(object Self, Delegate Method)
    {
        public object? Invoke(CallArguments args) => Method switch
        {
            StringMethod m => m((string)Self, args),
            DictMethod m => m((PyDict)Self, args),
            _ => ((SequenceMethod)Method)((IReadOnlyList<object?>)Self, args),
        };
    }

    private static bool TryFind(object? target, string name, out MethodCall call)
    {
        Delegate? method = PythonOperators.Unwrap(target) switch
        {
            string => StringMethodNamed(name),
            PyDict => DictMethodNamed(name),
            List<object?> => SequenceMethodNamed(name),
            PyTuple when name != "copy" => SequenceMethodNamed(name),
            _ => null,
        };
        call = method is null ? default : new MethodCall(PythonOperators.Unwrap(target)!, method);
        return method is not null;
    }

    /// <summary>The bound method <paramref name="name"/> of <paramref name="target"/>, or null when it has none.</summary>
    public static PyCallable? Bind(object? target, string name) =>
        TryFind(target, name, out var call) ? new BuiltinCallable(name, (_, args) => call.Invoke(args)) : null;

    /// <summary>
    /// Calls <c>target.name(arguments)</c> without creating a bound method when <paramref name="target"/> is a str, dict,
    /// list or tuple that has that method; otherwise returns false and the caller resolves the attribute as usual.
    /// </summary>
    public static bool TryInvoke(object? target, string name, CallArguments arguments, out object? result)
    {
        var found = TryFind(target, name, out var call);
        result = found ? call.Invoke(arguments) : null;
        return found;
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
        "copy" => static (items, _) => new List<object?>(items),
        _ => null,
    };
}
