namespace Cluster.Constraints.Automata;

/// <summary>
/// A DFA over bytes built on demand from an <see cref="Nfa"/> by subset construction (only the states and transitions
/// that generation actually reaches are ever built, which keeps compilation cheap). Calls are not followed here: a DFA
/// state lists the calls its NFA states make and the matcher keeps the stack.
/// </summary>
/// <remarks>
/// Thread-safe: reads of built transitions take no lock; building a state or transition happens under a lock and is
/// published by replacing the arrays, so a reader sees either the old "unknown" value or a complete new state.
/// </remarks>
internal sealed class LazyDfa
{
    public const int Dead = -1;
    public const int Unknown = -2;

    /// <summary>One DFA state: a set of NFA states closed under epsilon edges.</summary>
    internal sealed class State(int[] nfaStates, bool accepting, bool hasByteEdges, bool hasCalls)
    {
        public int[] NfaStates { get; } = nfaStates;

        /// <summary>The rule may end here.</summary>
        public bool Accepting { get; } = accepting;

        public bool HasByteEdges { get; } = hasByteEdges;

        /// <summary>Neither ends its rule nor enters another: stepping from here never touches the stack.</summary>
        public bool IsInterior { get; } = !accepting && !hasCalls;

        /// <summary>Special-token edges (token id → DFA state); filled by <see cref="LazyDfa.Links"/>.</summary>
        public (int TokenId, int Target)[]? Specials;

        /// <summary>Calls made here (rule → DFA state to continue at when it ends); filled by <see cref="LazyDfa.Links"/>.</summary>
        public (int Rule, int Return)[]? Calls;
    }

    private readonly Nfa _nfa;
    private readonly Dictionary<StateKey, int> _index = [];
    private readonly object _gate = new();
    private readonly int[] _ruleStarts;
    private volatile State[] _states = new State[64];
    private volatile int[] _transitions;
    private int _count;

    public LazyDfa(Nfa nfa)
    {
        _nfa = nfa;
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
            var targets = new List<int>();
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
        var closure = new HashSet<int>();
        var stack = new Stack<int>(seeds);
        while (stack.TryPop(out var n))
        {
            if (!closure.Add(n)) continue;
            var eps = _nfa.States[n].Epsilons;
            if (eps is null) continue;
            foreach (var e in eps) stack.Push(e);
        }
        var sorted = closure.ToArray();
        Array.Sort(sorted);
        var key = new StateKey(sorted);
        if (_index.TryGetValue(key, out var id)) return id;

        var accepting = false;
        var hasBytes = false;
        var hasCalls = false;
        foreach (var n in sorted)
        {
            var ns = _nfa.States[n];
            accepting |= ns.FinalOfRule >= 0;
            hasBytes |= ns.Bytes is { Count: > 0 };
            hasCalls |= ns.Calls is { Count: > 0 };
        }
        id = _count;
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
        _states[id] = new State(sorted, accepting, hasBytes, hasCalls);
        _index.Add(key, id);
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    private readonly struct StateKey(int[] states) : IEquatable<StateKey>
    {
        private readonly int[] _states = states;
        private readonly int _hash = ComputeHash(states);

        public bool Equals(StateKey other) => _states.AsSpan().SequenceEqual(other._states);

        public override bool Equals(object? obj) => obj is StateKey other && Equals(other);

        public override int GetHashCode() => _hash;

        private static int ComputeHash(int[] states)
        {
            var hash = new HashCode();
            foreach (var s in states) hash.Add(s);
            hash.Add(states.Length);
            return hash.ToHashCode();
        }
    }
}
