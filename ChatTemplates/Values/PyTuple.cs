namespace Cluster.ChatTemplates.Values;

/// <summary>An immutable Python tuple (from <c>items</c>, <c>dictsort</c>, tuple literals).</summary>
public sealed class PyTuple(object?[] items) : IReadOnlyList<object?>
{
    private readonly object?[] _items = items;

    /// <inheritdoc/>
    public object? this[int index] => _items[index];

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
