namespace Cluster.Constraints.Matching;

/// <summary>
/// A persistent (shared-tail) stack of return states of the rules entered so far. <c>null</c> is the empty stack of the
/// whole grammar; <see cref="Unknown"/> stands for "whatever called this rule" while computing context-free masks.
/// </summary>
internal sealed class ParseStack
{
    public static readonly ParseStack Unknown = new(-1, null);

    private ParseStack(int returnState, ParseStack? parent)
    {
        ReturnState = returnState;
        Parent = parent;
        Depth = parent is null ? 1 : parent.Depth + 1;
        Hash = HashCode.Combine(returnState, parent?.Hash ?? 0);
    }

    public int ReturnState { get; }

    public ParseStack? Parent { get; }

    public int Depth { get; }

    public int Hash { get; }

    public static ParseStack Push(ParseStack? stack, int returnState) => new(returnState, stack);

    public static bool AreEqual(ParseStack? a, ParseStack? b)
    {
        while (true)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a is null || b is null || a.Hash != b.Hash || a.ReturnState != b.ReturnState || a.Depth != b.Depth) return false;
            if (ReferenceEquals(a, Unknown) || ReferenceEquals(b, Unknown)) return false;
            a = a.Parent;
            b = b.Parent;
        }
    }
}

/// <summary>One parse position: a DFA state inside the current rule plus the stack of rules to return to.</summary>
internal readonly record struct ParseConfig(int State, ParseStack? Stack);
