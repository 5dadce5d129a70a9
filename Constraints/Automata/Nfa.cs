namespace Cluster.Constraints.Automata;

/// <summary>
/// A byte-level NFA split into rules (a recursive transition network). Besides byte and epsilon edges a state may
/// carry special-token edges (matched by token id only) and call edges (enter a rule, continue at a return state when it ends).
/// Each rule has one final state.
/// </summary>
internal sealed class Nfa
{
    internal sealed class State
    {
        public List<(byte Lo, byte Hi, int Target)>? Bytes;
        public List<int>? Epsilons;
        public List<(int TokenId, int Target)>? Specials;
        public List<(int Rule, int Return)>? Calls;

        /// <summary>The rule this state is the final state of, or -1.</summary>
        public int FinalOfRule = -1;
    }

    public List<State> States { get; } = [];

    public List<int> RuleStarts { get; } = [];

    public List<int> RuleFinals { get; } = [];

    public bool HasCalls { get; private set; }

    /// <summary>States that start one character from a class covering all plain JSON-string text (see <c>PlainRunAnalyzer</c>).</summary>
    public HashSet<int> PlainTextEntries { get; } = [];

    public int AddState()
    {
        States.Add(new State());
        return States.Count - 1;
    }

    public void AddByteEdge(int from, byte lo, byte hi, int target) => (States[from].Bytes ??= []).Add((lo, hi, target));

    public void AddEpsilon(int from, int target) => (States[from].Epsilons ??= []).Add(target);

    public void AddSpecialEdge(int from, int tokenId, int target) => (States[from].Specials ??= []).Add((tokenId, target));

    public void AddCall(int from, int rule, int returnState)
    {
        (States[from].Calls ??= []).Add((rule, returnState));
        HasCalls = true;
    }

    /// <summary>Partitions the 256 byte values into classes that every byte edge treats alike.</summary>
    public byte[] ComputeByteClasses(out int classCount)
    {
        Span<bool> boundary = stackalloc bool[257];
        foreach (var state in States)
        {
            if (state.Bytes is null) continue;
            foreach (var (lo, hi, _) in state.Bytes)
            {
                boundary[lo] = true;
                boundary[hi + 1] = true;
            }
        }
        var classes = new byte[256];
        var current = -1;
        for (var b = 0; b < 256; b++)
        {
            if (b == 0 || boundary[b]) current++;
            classes[b] = (byte)current;
        }
        classCount = current + 1;
        return classes;
    }
}
