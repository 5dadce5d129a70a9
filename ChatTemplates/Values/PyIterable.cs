namespace Cluster.ChatTemplates.Values;

/// <summary>
/// A lazy Python iterable that is not a list: the generators returned by <c>map</c>, <c>select</c>, <c>items</c>…, and the
/// views returned by <c>dict.items()</c>. As in Python, neither is JSON serializable, a generator has no length and is
/// consumed by iterating it (a second loop over the same generator sees what the first left); <see cref="TypeName"/>
/// keeps the Python type for error messages.
/// </summary>
public sealed class PyIterable : IEnumerable<object?>
{
    private readonly IEnumerable<object?> _source;
    private IEnumerator<object?>? _generator;

    /// <summary>Wraps <paramref name="source"/> as the Python type <paramref name="typeName"/>.</summary>
    /// <param name="typeName">The Python type name, e.g. <c>dict_items</c>.</param>
    /// <param name="source">The items.</param>
    /// <param name="hasLength">True for views (re-iterable, with a length); false for single-use generators.</param>
    public PyIterable(string typeName, IEnumerable<object?> source, bool hasLength)
    {
        TypeName = typeName;
        _source = source;
        HasLength = hasLength;
    }

    /// <summary>The Python type name, e.g. <c>generator</c> or <c>dict_items</c>.</summary>
    public string TypeName { get; }

    /// <summary>Whether <c>len()</c> works and iteration can repeat (views), or not (generators).</summary>
    public bool HasLength { get; }

    /// <summary>A generator over <paramref name="source"/>.</summary>
    public static PyIterable Generator(IEnumerable<object?> source) => new("generator", source, false);

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator()
    {
        if (HasLength) return _source.GetEnumerator();
        _generator ??= _source.GetEnumerator();
        return Drain(_generator);
    }

    private static IEnumerator<object?> Drain(IEnumerator<object?> shared)
    {
        while (shared.MoveNext()) yield return shared.Current;
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
