namespace Cluster.ChatTemplates.Values;

/// <summary>
/// A lazy Python iterable that is not a list: the generators returned by <c>map</c>, <c>select</c>, <c>items</c>…, and the
/// views returned by <c>dict.items()</c>. It iterates like a list but, as in Python, is not JSON serializable and a generator
/// has no length; <see cref="TypeName"/> keeps the Python type for error messages.
/// </summary>
public sealed class PyIterable(string typeName, IEnumerable<object?> source, bool hasLength) : IEnumerable<object?>
{
    /// <summary>The Python type name, e.g. <c>generator</c> or <c>dict_items</c>.</summary>
    public string TypeName { get; } = typeName;

    /// <summary>Whether <c>len()</c> works (views) or raises (generators).</summary>
    public bool HasLength { get; } = hasLength;

    /// <summary>A generator over <paramref name="source"/>.</summary>
    public static PyIterable Generator(IEnumerable<object?> source) => new("generator", source, false);

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => source.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
