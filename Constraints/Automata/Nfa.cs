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

    /// <summary>
    /// Removes every edge into a state from which the rule can no longer be completed (e.g. the "3" of a number that must stay
    /// below 3), so generation never walks into a dead end: whatever a mask allows can always be finished.
    /// </summary>
    public void PruneDeadEnds()
    {
        var count = States.Count;
        var productive = new bool[count];
        var reverse = new List<int>?[count];
        var callersOfRule = new List<int>?[RuleStarts.Count];
        var callersByReturn = new List<int>?[count];
        for (var s = 0; s < count; s++)
        {
            var state = States[s];
            void Link(int target) => (reverse[target] ??= []).Add(s);
            if (state.Bytes is not null) foreach (var (_, _, t) in state.Bytes) Link(t);
            if (state.Epsilons is not null) foreach (var t in state.Epsilons) Link(t);
            if (state.Specials is not null) foreach (var (_, t) in state.Specials) Link(t);
            if (state.Calls is not null)
            {
                foreach (var (rule, ret) in state.Calls)
                {
                    (callersOfRule[rule] ??= []).Add(s);
                    (callersByReturn[ret] ??= []).Add(s);
                }
            }
        }
        var work = new Stack<int>();
        void Mark(int s)
        {
            if (productive[s]) return;
            productive[s] = true;
            work.Push(s);
        }
        foreach (var final in RuleFinals) Mark(final);
        var ruleOf = new Dictionary<int, List<int>>();
        for (var r = 0; r < RuleStarts.Count; r++)
        {
            if (!ruleOf.TryGetValue(RuleStarts[r], out var rules)) ruleOf[RuleStarts[r]] = rules = [];
            rules.Add(r);
        }
        bool CallCompletes(int caller)
        {
            foreach (var (rule, ret) in States[caller].Calls!)
            {
                if (productive[RuleStarts[rule]] && productive[ret]) return true;
            }
            return false;
        }
        while (work.TryPop(out var s))
        {
            if (reverse[s] is { } predecessors) foreach (var p in predecessors) Mark(p);
            if (callersByReturn[s] is { } byReturn) foreach (var c in byReturn) if (CallCompletes(c)) Mark(c);
            if (ruleOf.TryGetValue(s, out var startedRules))
            {
                foreach (var rule in startedRules)
                {
                    if (callersOfRule[rule] is { } callers) foreach (var c in callers) if (CallCompletes(c)) Mark(c);
                }
            }
        }
        foreach (var state in States)
        {
            state.Bytes?.RemoveAll(e => !productive[e.Target]);
            state.Epsilons?.RemoveAll(t => !productive[t]);
            state.Specials?.RemoveAll(e => !productive[e.Target]);
            state.Calls?.RemoveAll(c => !productive[RuleStarts[c.Rule]] || !productive[c.Return]);
        }
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
