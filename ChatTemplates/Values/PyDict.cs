namespace Cluster.ChatTemplates.Values;

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (so <c>1 == 1.0 == True</c>).</summary>
public sealed class PyDict : OrderedDictionary<object, object?>
{
    /// <summary>Creates an empty dict.</summary>
    public PyDict() : base(PythonKeyComparer.Instance) { }

    /// <summary>Creates an empty dict with room for <paramref name="capacity"/> entries.</summary>
    public PyDict(int capacity) : base(capacity, PythonKeyComparer.Instance) { }

    /// <summary>Looks up a key that may be None (never present: JSON objects have string keys).</summary>
    public bool TryGet(object? key, out object? value)
    {
        if (key is null) { value = null; return false; }
        return TryGetValue(key, out value);
    }
}

/// <summary>Equality and hashing of dict keys as Python does them.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<object>
{
    public static readonly PythonKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) =>
        x is string a && y is string b ? string.Equals(a, b, StringComparison.Ordinal) : PythonOperators.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        string s => s.GetHashCode(StringComparison.Ordinal),
        Markup m => m.Text.GetHashCode(StringComparison.Ordinal),
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        _ => obj.GetHashCode(),
    };
}
