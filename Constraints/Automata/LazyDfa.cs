namespace Cluster.Constraints.Automata;

/// <summary>
/// A DFA over bytes built on demand from an <see cref="Nfa"/> by subset construction (only the states and transitions
/// that generation actually reaches are ever built, which keeps compilation cheap). Calls are not followed here: a DFA
/// state lists the calls its NFA states make and the matcher keeps the stack.
/// </summary>
/// <remarks>
/// Thread-safe: reads of built transitions take no lock; building a state or transition happens under a lock and is
/// published by replacing the arrays, so a reader sees either the old "unknown" value or a complete new state.
/// Growth is bounded by <see cref="GrammarLimits.MaxDfaStates"/> and <see cref="GrammarLimits.MaxDfaBytes"/>: past them, the step
/// that needed a new state throws <see cref="GrammarLimitException"/> and leaves the automaton as it was.
/// </remarks>
internal sealed class LazyDfa
{
    public const int Dead = -1;
    public const int Unknown = -2;

    /// <summary>One DFA state: a set of NFA states closed under epsilon edges.</summary>
    internal sealed class State(int[] nfaStates, bool accepting, bool hasByteEdges, bool hasCalls, bool endsCalledRule)
    {
        public int[] NfaStates { get; } = nfaStates;

        /// <summary>The rule may end here.</summary>
        public bool Accepting { get; } = accepting;

        public bool HasByteEdges { get; } = hasByteEdges;

        /// <summary>
        /// Neither enters a rule nor ends a called one: stepping from here never touches the stack. (The grammar's own rule 0
        /// is never called, so its end only means the output may stop.)
        /// </summary>
        public bool IsInterior { get; } = !endsCalledRule && !hasCalls;

        /// <summary>Special-token edges (token id → DFA state); filled by <see cref="LazyDfa.Links"/>.</summary>
        public (int TokenId, int Target)[]? Specials;

        /// <summary>Calls made here (rule → DFA state to continue at when it ends); filled by <see cref="LazyDfa.Links"/>.</summary>
        public (int Rule, int Return)[]? Calls;
    }

    private readonly Nfa _nfa;
    // Lookups happen for every new transition, mostly finding an existing state: keyed by hash so no key is allocated.
    private readonly Dictionary<ulong, List<int>> _index = [];
    private readonly HashSet<int> _closure = [];
    private readonly Stack<int> _pending = new();
    private readonly List<int> _targets = [];
    private int[] _sorted = new int[16];
    private readonly object _gate = new();
    private readonly int[] _ruleStarts;
    private readonly GrammarLimits _limits;
    private volatile State[] _states = new State[64];
    private volatile int[] _transitions;
    private int _count;
    private long _bytes;

    public LazyDfa(Nfa nfa, GrammarLimits? limits = null)
    {
        _nfa = nfa;
        _limits = limits ?? GrammarLimits.Default;
        ByteClasses = nfa.ComputeByteClasses(out var classCount);
        ClassCount = classCount;
        _transitions = new int[64 * classCount];
        Array.Fill(_transitions, Unknown);
        lock (_gate)
        {
            _ruleStarts = new int[nfa.RuleStarts.Count];
            for (var r = 0; r < _ruleStarts.Length; r++) _ruleStarts[r] = AddState([nfa.RuleStarts[r]]);
        }
    }

    public byte[] ByteClasses { get; }

    public int ClassCount { get; }

    public int StateCount => Volatile.Read(ref _count);

    /// <summary>The transition table (state × byte class); entries may be <see cref="Unknown"/>. Re-read after <see cref="Next"/> builds.</summary>
    public int[] Transitions => _transitions;

    public int RuleStart(int rule) => _ruleStarts[rule];

    public State this[int state] => _states[state];

    /// <summary>The state after <paramref name="b"/>, or <see cref="Dead"/>.</summary>
    public int Next(int state, byte b)
    {
        var t = _transitions[state * ClassCount + ByteClasses[b]];
        return t != Unknown ? t : Build(state, b);
    }

    /// <summary>The state's special-token and call edges, built on first use.</summary>
    public State Links(int state)
    {
        var s = _states[state];
        if (s.Calls is not null) return s;
        lock (_gate)
        {
            if (s.Calls is not null) return s;
            var specials = new List<(int, int)>();
            var calls = new List<(int, int)>();
            var specialTargets = new Dictionary<int, List<int>>();
            foreach (var n in s.NfaStates)
            {
                var ns = _nfa.States[n];
                if (ns.Specials is not null)
                {
                    foreach (var (token, target) in ns.Specials)
                    {
                        if (!specialTargets.TryGetValue(token, out var list)) specialTargets[token] = list = [];
                        list.Add(target);
                    }
                }
                if (ns.Calls is not null)
                {
                    foreach (var (rule, ret) in ns.Calls) calls.Add((rule, AddState([ret])));
                }
            }
            foreach (var (token, targets) in specialTargets) specials.Add((token, AddState(targets)));
            s.Specials = [.. specials];
            Volatile.Write(ref s.Calls, [.. calls]);
            return s;
        }
    }

    private int Build(int state, byte b)
    {
        lock (_gate)
        {
            var index = state * ClassCount + ByteClasses[b];
            var existing = _transitions[index];
            if (existing != Unknown) return existing;
            var targets = _targets;
            targets.Clear();
            foreach (var n in _states[state].NfaStates)
            {
                var edges = _nfa.States[n].Bytes;
                if (edges is null) continue;
                foreach (var (lo, hi, target) in edges)
                {
                    if (b >= lo && b <= hi) targets.Add(target);
                }
            }
            var next = targets.Count == 0 ? Dead : AddState(targets);
            // AddState may have replaced the table; write into the current one.
            _transitions[index] = next;
            return next;
        }
    }

    /// <summary>Adds (or finds) the DFA state for the epsilon closure of <paramref name="seeds"/>. Caller holds the lock.</summary>
    private int AddState(IEnumerable<int> seeds)
    {
        var closure = _closure;
        closure.Clear();
        var stack = _pending;
        foreach (var seed in seeds) stack.Push(seed);
        while (stack.TryPop(out var n))
        {
            if (!closure.Add(n)) continue;
            var eps = _nfa.States[n].Epsilons;
            if (eps is null) continue;
            foreach (var e in eps) stack.Push(e);
        }
        if (_sorted.Length < closure.Count) _sorted = new int[closure.Count * 2];
        closure.CopyTo(_sorted);
        var sorted = _sorted.AsSpan(0, closure.Count);
        sorted.Sort();
        var hash = 14695981039346656037UL;
        foreach (var n in sorted) hash = (hash ^ (uint)n) * 1099511628211UL;
        if (_index.TryGetValue(hash, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (_states[candidate].NfaStates.AsSpan().SequenceEqual(sorted)) return candidate;
            }
        }
        else
        {
            _index[hash] = candidates = [];
        }

        // Object, NFA-state set, transition row and index entry.
        var bytes = 96L + 4L * sorted.Length + 4L * ClassCount;
        if (_count >= _limits.MaxDfaStates)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxDfaStates), _limits.MaxDfaStates, null, "the automaton built during generation");
        }
        if (_bytes + bytes > _limits.MaxDfaBytes)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxDfaBytes), _limits.MaxDfaBytes, null, "the memory of the automaton built during generation");
        }
        _bytes += bytes;
        var accepting = false;
        var hasBytes = false;
        var hasCalls = false;
        var endsCalledRule = false;
        foreach (var n in sorted)
        {
            var ns = _nfa.States[n];
            accepting |= ns.FinalOfRule >= 0;
            endsCalledRule |= ns.FinalOfRule > 0;
            hasBytes |= ns.Bytes is { Count: > 0 };
            hasCalls |= ns.Calls is { Count: > 0 };
        }
        var id = _count;
        if (id == _states.Length)
        {
            var states = new State[id * 2];
            Array.Copy(_states, states, id);
            var transitions = new int[states.Length * ClassCount];
            Array.Copy(_transitions, transitions, id * ClassCount);
            Array.Fill(transitions, Unknown, id * ClassCount, transitions.Length - id * ClassCount);
            _states = states;
            _transitions = transitions;
        }
        _states[id] = new State(sorted.ToArray(), accepting, hasBytes, hasCalls, endsCalledRule);
        candidates.Add(id);
        Volatile.Write(ref _count, id + 1);
        return id;
    }
}
