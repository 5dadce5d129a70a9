using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>The <c>loop</c> variable of a for loop: position, neighbours, <c>cycle()</c> and <c>changed()</c>.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int depth0)
{
    private object? _lastChanged = Undefined.WithHint("");
    private bool _changedCalled;

    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth0" => (long)depth0,
        "depth" => (long)depth0 + 1,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.WithHint("there is no previous item"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : Undefined.WithHint("there is no next item"),
        "cycle" => new BuiltinCallable("cycle", (_, args) =>
            args.Positional.Count == 0
                ? throw new TemplateException("TypeError", "no items for cycling given")
                : args.Positional[Index0 % args.Positional.Count]),
        "changed" => new BuiltinCallable("changed", (_, args) =>
        {
            var value = args.Positional.Count == 1 ? args.Positional[0] : new PyTuple([.. args.Positional]);
            if (_changedCalled && PythonOperators.AreEqual(value, _lastChanged)) return false;
            _changedCalled = true;
            _lastChanged = value;
            return true;
        }),
        _ => Undefined.Member(this, name),
    };

    public override string ToString() => $"<LoopContext {Index0 + 1}/{items.Count}>";
}
