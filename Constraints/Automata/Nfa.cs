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
    /// <returns>Whether the grammar (rule 0) can produce any output at all.</returns>
    public bool PruneDeadEnds()
    {
        var count = States.Count;
        // Predecessors along byte, epsilon and special edges, as compressed rows (this runs on every compile).
        var offsets = new int[count + 1];
        foreach (var state in States)
        {
            if (state.Bytes is not null) foreach (var e in state.Bytes) offsets[e.Target + 1]++;
            if (state.Epsilons is not null) foreach (var t in state.Epsilons) offsets[t + 1]++;
            if (state.Specials is not null) foreach (var e in state.Specials) offsets[e.Target + 1]++;
        }
        for (var i = 0; i < count; i++) offsets[i + 1] += offsets[i];
        var predecessors = new int[offsets[count]];
        var fill = (int[])offsets.Clone();
        for (var s = 0; s < count; s++)
        {
            var state = States[s];
            if (state.Bytes is not null) foreach (var e in state.Bytes) predecessors[fill[e.Target]++] = s;
            if (state.Epsilons is not null) foreach (var t in state.Epsilons) predecessors[fill[t]++] = s;
            if (state.Specials is not null) foreach (var e in state.Specials) predecessors[fill[e.Target]++] = s;
        }
        // A call completes when both the called rule and the return state can; either may become productive last.
        Dictionary<int, List<int>>? callWatchers = null;
        if (HasCalls)
        {
            callWatchers = [];
            for (var s = 0; s < count; s++)
            {
                if (States[s].Calls is not { } calls) continue;
                foreach (var (rule, ret) in calls)
                {
                    foreach (var watched in new[] { RuleStarts[rule], ret })
                    {
                        if (!callWatchers.TryGetValue(watched, out var list)) callWatchers[watched] = list = [];
                        list.Add(s);
                    }
                }
            }
        }
        var productive = new bool[count];
        var work = new Stack<int>();
        foreach (var final in RuleFinals)
        {
            productive[final] = true;
            work.Push(final);
        }
        while (work.TryPop(out var s))
        {
            for (var k = offsets[s]; k < offsets[s + 1]; k++)
            {
                var p = predecessors[k];
                if (productive[p]) continue;
                productive[p] = true;
                work.Push(p);
            }
            if (callWatchers is null || !callWatchers.TryGetValue(s, out var callers)) continue;
            foreach (var caller in callers)
            {
                if (productive[caller]) continue;
                foreach (var (rule, ret) in States[caller].Calls!)
                {
                    if (!productive[RuleStarts[rule]] || !productive[ret]) continue;
                    productive[caller] = true;
                    work.Push(caller);
                    break;
                }
            }
        }
        Func<(byte, byte, int Target), bool> deadByte = e => !productive[e.Target];
        Func<int, bool> deadEpsilon = t => !productive[t];
        Func<(int, int Target), bool> deadSpecial = e => !productive[e.Target];
        Func<(int Rule, int Return), bool> deadCall = c => !productive[RuleStarts[c.Rule]] || !productive[c.Return];
        foreach (var state in States)
        {
            if (state.Bytes is { } bytes) RemoveWhere(bytes, deadByte);
            if (state.Epsilons is { } epsilons) RemoveWhere(epsilons, deadEpsilon);
            if (state.Specials is { } specials) RemoveWhere(specials, deadSpecial);
            if (state.Calls is { } stateCalls) RemoveWhere(stateCalls, deadCall);
        }
        return productive[RuleStarts[0]];
    }

    /// <summary>Removes matching items in place; allocation-free when nothing matches, which is the common case.</summary>
    private static void RemoveWhere<T>(List<T> items, Func<T, bool> dead)
    {
        var kept = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (!dead(items[i])) items[kept++] = items[i];
        }
        if (kept < items.Count) items.RemoveRange(kept, items.Count - kept);
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
