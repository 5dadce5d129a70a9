using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is divisibleby 3</c>, …).</summary>
internal static class JinjaTests
{
    private delegate bool Test(Renderer renderer, object? value, CallArguments args);

    private static readonly Dictionary<string, Test> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (_, v, _) => v is not Undefined,
        ["undefined"] = (_, v, _) => v is Undefined,
        ["none"] = (_, v, _) => v is null,
        ["string"] = (_, v, _) => v is string or Markup,
        ["number"] = (_, v, _) => v is long or double or bool,
        ["integer"] = (_, v, _) => v is long,
        ["float"] = (_, v, _) => v is double,
        ["boolean"] = (_, v, _) => v is bool,
        ["true"] = (_, v, _) => v is true,
        ["false"] = (_, v, _) => v is false,
        ["mapping"] = (_, v, _) => v is PyDict,
        ["iterable"] = (_, v, _) => v is string or Markup or PyDict or Undefined or IEnumerable<object?>,
        ["sequence"] = (_, v, _) => v is string or Markup or PyDict or Undefined or IReadOnlyList<object?>,
        ["callable"] = (_, v, _) => v is PyCallable,
        ["odd"] = (_, v, _) => Integer(v, "odd") % 2 != 0,
        ["even"] = (_, v, _) => Integer(v, "even") % 2 == 0,
        ["divisibleby"] = (_, v, a) => Integer(v, "divisibleby") % Integer(a.Get(0, "num"), "divisibleby") == 0,
        ["lower"] = (_, v, _) => PythonFormatting.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        ["upper"] = (_, v, _) => PythonFormatting.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsLower),
        ["eq"] = Equal,
        ["equalto"] = Equal,
        ["=="] = Equal,
        ["ne"] = (r, v, a) => !Equal(r, v, a),
        ["!="] = (r, v, a) => !Equal(r, v, a),
        ["lt"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), "<") < 0,
        ["lessthan"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), "<") < 0,
        ["<"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), "<") < 0,
        ["le"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), "<=") <= 0,
        ["<="] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), "<=") <= 0,
        ["gt"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), ">") > 0,
        ["greaterthan"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), ">") > 0,
        [">"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), ">") > 0,
        ["ge"] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), ">=") >= 0,
        [">="] = (_, v, a) => PythonOperators.Compare(v, a.Get(0, "other"), ">=") >= 0,
        ["in"] = (_, v, a) => PythonOperators.Contains(a.Get(0, "seq"), v),
        ["sameas"] = (_, v, a) => SameAs(v, a.Get(0, "other")),
        ["escaped"] = (_, v, _) => v is Markup,
        ["filter"] = (_, v, _) => v is string name && Filters.Exists(name),
        ["test"] = (_, v, _) => v is string name && All!.ContainsKey(name),
    };

    public static bool Apply(Renderer renderer, string name, object? value, CallArguments args)
    {
        if (!All.TryGetValue(name, out var test))
            throw new TemplateException("TemplateRuntimeError", $"No test named {PythonFormatting.Repr(name)} found.");
        return test(renderer, value, args);
    }

    public static bool Exists(string name) => All.ContainsKey(name);

    private static bool Equal(Renderer renderer, object? value, CallArguments a) => PythonOperators.AreEqual(value, a.Get(0, "other"));

    private static long Integer(object? value, string test) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) => (long)d,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException("TypeError", $"not all arguments converted during string formatting"),
    };

    // Python's "is": identity for objects; small ints, bools and None behave as singletons.
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => ReferenceEquals(x, y) || x == y,
        _ => ReferenceEquals(a, b),
    };
}
