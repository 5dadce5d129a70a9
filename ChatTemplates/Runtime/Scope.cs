namespace Cluster.ChatTemplates.Runtime;

/// <summary>
/// One level of variables. Jinja2 gives every loop iteration, macro call and <c>with</c> block its own level; assignments
/// write to the innermost level and lookups walk outwards, so a <c>set</c> inside a loop never leaks out of it.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
