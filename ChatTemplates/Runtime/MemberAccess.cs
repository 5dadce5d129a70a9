using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>
/// <c>obj.name</c> and <c>obj[key]</c> as Jinja2's immutable sandbox resolves them: attribute access tries Python
/// attributes (methods) before items, subscription tries items before attributes, and methods that would mutate a list
/// or dict resolve to an Undefined that raises <c>SecurityError</c> when called.
/// </summary>
internal static class MemberAccess
{
    public static object? GetAttribute(object? target, string name)
    {
        if (target is Undefined u) throw u.Fail();
        if (TryGetPythonAttribute(target, name, out var attribute)) return attribute;
        return target switch
        {
            PyDict d => d.TryGetValue(name, out var v) ? v : Undefined.Member(target, name),
            _ => Undefined.Member(target, name),
        };
    }

    /// <summary>Attribute access without the item fallback (the <c>attr</c> filter).</summary>
    public static object? GetPythonAttribute(object? target, string name)
    {
        if (target is Undefined u) throw u.Fail();
        return TryGetPythonAttribute(target, name, out var attribute) ? attribute : Undefined.Member(target, name);
    }

    public static object? GetItem(object? target, object? key)
    {
        target = PythonOperators.Unwrap(target);
        if (target is string text && key is long && PythonStrings.HasSurrogates(text))
            return GetItem(new PyTuple([.. PythonStrings.CodePoints(text)]), key) is string ch ? ch : Undefined.Member(target, key);
        switch (target)
        {
            case Undefined u:
                throw u.Fail();
            case PyDict d:
                if (d.TryGet(key, out var v)) return v;
                break;
            case List<object?> or PyTuple or string when key is long or bool:
                var index = key is bool b ? (b ? 1 : 0) : (long)key;
                var count = target is string s ? s.Length : ((IReadOnlyList<object?>)target).Count;
                if (index < 0) index += count;
                if (index >= 0 && index < count)
                    return target is string str ? str[(int)index].ToString() : ((IReadOnlyList<object?>)target)[(int)index];
                return Undefined.Member(target, key);
        }
        if (key is string name && TryGetPythonAttribute(target, name, out var attribute)) return attribute;
        return Undefined.Member(target, key);
    }

    private static bool TryGetPythonAttribute(object? target, string name, out object? attribute)
    {
        attribute = null;
        if (name.StartsWith("__", StringComparison.Ordinal))
        {
            attribute = Undefined.Unsafe(target, name);
            return true;
        }
        switch (target)
        {
            case Namespace ns:
                attribute = ns.Attributes.TryGetValue(name, out var v) ? v : Undefined.Member(target, name);
                return true;
            case LoopContext loop:
                attribute = loop.Get(name);
                return true;
            default:
                if (Methods.IsMutating(target, name))
                {
                    attribute = Undefined.Unsafe(target, name);
                    return true;
                }
                attribute = Methods.Bind(target, name);
                return attribute is not null;
        }
    }

    /// <summary>Python slicing <c>target[start:stop:step]</c> of a list, tuple or string.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        target = PythonOperators.Unwrap(target);
        if (target is Undefined u) throw u.Fail();
        if (target is string text && PythonStrings.HasSurrogates(text))
            return string.Concat(((PyTuple)Slice(new PyTuple([.. PythonStrings.CodePoints(text)]), start, stop, step)!).Cast<string>());
        var length = target switch
        {
            string s => s.Length,
            IReadOnlyList<object?> l => l.Count,
            _ => throw new TemplateException("TypeError", $"'{PythonFormatting.TypeName(target)}' object is not subscriptable"),
        };
        var indices = SliceIndices(length, start, stop, step);
        switch (target)
        {
            case string s:
                var sb = new System.Text.StringBuilder();
                foreach (var i in indices) sb.Append(s[i]);
                return sb.ToString();
            case PyTuple t:
                return new PyTuple([.. indices.Select(i => t[i])]);
            default:
                var list = (IReadOnlyList<object?>)target;
                return indices.Select(i => list[i]).ToList();
        }
    }

    private static long? SliceBound(object? value) => value switch
    {
        null => null,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException("TypeError", "slice indices must be integers or None or have an __index__ method"),
    };

    /// <summary>The indices a Python slice selects (CPython's <c>PySlice_AdjustIndices</c>).</summary>
    public static List<int> SliceIndices(int length, object? startValue, object? stopValue, object? stepValue)
    {
        var step = SliceBound(stepValue) ?? 1;
        if (step == 0) throw new TemplateException("ValueError", "slice step cannot be zero");
        long start, stop;
        var s = SliceBound(startValue);
        var e = SliceBound(stopValue);
        if (step > 0)
        {
            start = s is null ? 0 : s < 0 ? Math.Max(0, s.Value + length) : Math.Min(s.Value, length);
            stop = e is null ? length : e < 0 ? Math.Max(0, e.Value + length) : Math.Min(e.Value, length);
        }
        else
        {
            start = s is null ? length - 1 : s < 0 ? Math.Max(-1, s.Value + length) : Math.Min(s.Value, length - 1);
            stop = e is null ? -1 : e < 0 ? Math.Max(-1, e.Value + length) : Math.Min(e.Value, length - 1);
        }
        var result = new List<int>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step) result.Add((int)i);
        return result;
    }
}
