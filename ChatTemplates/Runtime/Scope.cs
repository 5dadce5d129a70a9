namespace Cluster.ChatTemplates.Runtime;

/// <summary>
/// One level of variables. Jinja2 gives every loop iteration, macro call and <c>with</c> block its own level; assignments
/// write to the innermost level and lookups walk outwards, so a <c>set</c> inside a loop never leaks out of it.
/// </summary>
/// <remarks>
/// Most levels hold a handful of names (a loop variable and <c>loop</c>), so they start as small arrays searched
/// linearly and become a dictionary only when they grow; a loop iteration then costs one small allocation.
/// </remarks>
internal sealed class Scope(Scope? parent)
{
    private const int LinearLimit = 8;

    private string[]? _names;
    private object?[]? _values;
    private int _count;
    private Dictionary<string, object?>? _dictionary;

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s.TryGetLocal(name, out value)) return true;
        value = null;
        return false;
    }

    private bool TryGetLocal(string name, out object? value)
    {
        if (_dictionary is not null) return _dictionary.TryGetValue(name, out value);
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names![i], name, StringComparison.Ordinal))
            {
                value = _values![i];
                return true;
            }
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value)
    {
        if (_dictionary is not null)
        {
            _dictionary[name] = value;
            return;
        }
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_names![i], name, StringComparison.Ordinal))
            {
                _values![i] = value;
                return;
            }
        }
        if (_count == LinearLimit)
        {
            _dictionary = new Dictionary<string, object?>(LinearLimit * 2, StringComparer.Ordinal);
            for (var i = 0; i < _count; i++) _dictionary[_names![i]] = _values![i];
            _dictionary[name] = value;
            _names = null;
            _values = null;
            return;
        }
        if (_names is null || _count == _names.Length)
        {
            var capacity = _names is null ? 2 : _names.Length * 2;
            Array.Resize(ref _names, capacity);
            Array.Resize(ref _values, capacity);
        }
        _names[_count] = name;
        _values![_count++] = value;
    }
}
