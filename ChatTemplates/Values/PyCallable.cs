namespace Cluster.ChatTemplates.Values;

/// <summary>Arguments of a call: positional values and keyword values in source order.</summary>
public sealed class CallArguments(List<object?> positional, List<KeyValuePair<string, object?>> keywords)
{
    /// <summary>No arguments (shared: callees must not modify the lists).</summary>
    public static CallArguments None { get; } = new([], []);

    /// <summary>Positional arguments.</summary>
    public List<object?> Positional { get; } = positional;

    /// <summary>Keyword arguments.</summary>
    public List<KeyValuePair<string, object?>> Keywords { get; } = keywords;

    /// <summary>The argument at <paramref name="position"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int position, string name, object? fallback = null)
    {
        if (position >= 0 && position < Positional.Count) return Positional[position];
        foreach (var kv in Keywords)
            if (kv.Key == name) return kv.Value;
        return fallback;
    }

    /// <summary>Whether the argument was passed at all.</summary>
    public bool Has(int position, string name)
    {
        if (position >= 0 && position < Positional.Count) return true;
        foreach (var kv in Keywords)
            if (kv.Key == name) return true;
        return false;
    }
}

/// <summary>Something a template can call: a macro, a global function or a bound method.</summary>
public abstract class PyCallable
{
    /// <summary>The name used in error messages and reprs.</summary>
    public abstract string Name { get; }

    /// <summary>Invokes the callable.</summary>
    internal abstract object? Call(Runtime.Renderer renderer, CallArguments arguments);
}

/// <summary>A callable implemented in C# (globals such as <c>range</c>, and bound string/dict methods).</summary>
internal sealed class BuiltinCallable(string name, Func<Runtime.Renderer, CallArguments, object?> body, string typeName = "builtin_function_or_method") : PyCallable
{
    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <summary>The Python type name (for <c>repr</c> and errors).</summary>
    public string TypeName { get; } = typeName;

    internal override object? Call(Runtime.Renderer renderer, CallArguments arguments) => body(renderer, arguments);
}
