using Cluster.Constraints.Automata;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints.Matching;

/// <summary>
/// Walks the flat token trie against a grammar position and sets the bit of every token whose bytes the grammar accepts.
/// A prefix the grammar rejects skips its whole subtree, so the cost follows the accepted part of the vocabulary.
/// </summary>
internal sealed class MaskWalker(CompiledGrammar grammar)
{
    [ThreadStatic]
    private static List<ParseConfig>[]? t_levels;

    [ThreadStatic]
    private static uint[]? t_scratch;

    [ThreadStatic]
    private static int[]? t_simpleStates;

    [ThreadStatic]
    private static ParseStack?[]? t_simpleStacks;

    private readonly PlainRunAnalyzer _plainRuns = new(grammar);

    /// <summary>The context-free mask of one DFA state (see <see cref="StateMask"/>).</summary>
    /// <param name="state">The DFA state.</param>
    /// <param name="interner">Where to share the token set, or null to keep it unshared (the grammar's mask budget is spent).</param>
    public StateMask ComputeStateMask(int state, MaskInterner? interner)
    {
        var vocabulary = grammar.Vocabulary;
        var trie = vocabulary.Trie;
        uint[]? shared = null;
        if (_plainRuns.TryGetPlainRun(state, out var characters))
        {
            // Inside a string body: plain tokens short enough are in, wholesale; only the rest of the vocabulary is walked.
            shared = characters > 0 ? vocabulary.PlainText.UpToChars[characters] : null;
            trie = vocabulary.PlainText.Rest;
        }
        else if (ByteRunSplit(state, out var run) is { } split)
        {
            // Some byte set takes this state along one path for `run` bytes: tokens made of those bytes are in, wholesale.
            shared = split.UpTo(run);
            trie = split.Rest;
        }
        var walked = t_scratch is { } scratch && scratch.Length == vocabulary.MaskWords ? scratch : t_scratch = new uint[vocabulary.MaskWords];
        walked.AsSpan().Clear();
        if (!grammar.HasCalls)
        {
            WalkDfa(trie, state, walked);
            return StateMask.Create(shared, walked, trie, [], interner);
        }
        var escapes = new List<int>();
        var start = new List<ParseConfig>();
        var escapedAtStart = false;
        // An escape before any byte needs no record: the matcher's own closure already holds the caller's position.
        grammar.AddClosed(new ParseConfig(state, ParseStack.Unknown), start, ref escapedAtStart);
        WalkConfigs(trie, 0, start, walked, escapes);
        return StateMask.Create(shared, walked, trie, [.. escapes], interner);
    }

    /// <summary>Smallest byte set worth a split.</summary>
    private const int MinRunBytes = 8;

    /// <summary>
    /// Looks for a byte set B on which <paramref name="state"/> and the states after it all move alike (one next state for
    /// every byte of B) for <paramref name="run"/> bytes, after which B either loops or dies. Returns the vocabulary split
    /// by B, or null.
    /// </summary>
    private ByteRunTokens? ByteRunSplit(int state, out int run)
    {
        run = 0;
        var dfa = grammar.Dfa;
        if (grammar.HasCalls && !dfa[state].IsInterior) return null;
        // Cheap filter on the NFA first, so structural states never build transitions they will not use.
        Span<bool> covered = stackalloc bool[256];
        var coverage = 0;
        foreach (var n in dfa[state].NfaStates)
        {
            if (grammar.Nfa.States[n].Bytes is not { } edges) continue;
            foreach (var (lo, hi, _) in edges)
            {
                for (var b = lo; ; b++)
                {
                    if (!covered[b])
                    {
                        covered[b] = true;
                        coverage++;
                    }
                    if (b == hi) break;
                }
            }
        }
        if (coverage < MinRunBytes) return null;

        // B: the bytes leading to the most common next state.
        Span<int> targets = stackalloc int[256];
        var counts = new Dictionary<int, int>();
        for (var b = 0; b < 256; b++)
        {
            targets[b] = covered[b] ? dfa.Next(state, (byte)b) : LazyDfa.Dead;
            if (targets[b] >= 0) counts[targets[b]] = counts.GetValueOrDefault(targets[b]) + 1;
        }
        if (counts.Count == 0) return null;
        var best = counts.MaxBy(p => p.Value);
        if (best.Value < MinRunBytes) return null;
        Span<bool> set = stackalloc bool[256];
        for (var b = 0; b < 256; b++) set[b] = targets[b] == best.Key;

        // Follow the run: each step every byte of B must agree; it ends in a loop, in death for all of B, or past the longest token.
        var current = state;
        var next = best.Key;
        var unbounded = false;
        while (true)
        {
            run++;
            if (next == current || run >= ByteRunTokens.MaxLength)
            {
                unbounded = true;
                break;
            }
            if (grammar.HasCalls && !dfa[next].IsInterior) return null;
            current = next;
            int? agreed = null;
            for (var b = 0; b < 256; b++)
            {
                if (!set[b]) continue;
                var t = dfa.Next(current, (byte)b);
                agreed ??= t;
                if (agreed != t) return null;
            }
            if (agreed < 0) break;
            next = agreed!.Value;
        }
        if (unbounded) run = ByteRunTokens.MaxLength;
        return grammar.Vocabulary.ByteRuns.Get(set);
    }

    /// <summary>The single-DFA walk: one int of state per trie depth, no allocation.</summary>
    private void WalkDfa(TokenTrie trie, int start, Span<uint> bits)
    {
        var bytes = trie.Bytes;
        var depths = trie.Depths;
        var ends = trie.SubtreeEnd;
        var tokenStart = trie.TokenStart;
        var tokenIds = trie.TokenIds;
        var dfa = grammar.Dfa;
        var classes = dfa.ByteClasses;
        var classCount = dfa.ClassCount;
        var transitions = dfa.Transitions;
        var stateAt = trie.MaxDepth < 512 ? stackalloc int[trie.MaxDepth + 1] : new int[trie.MaxDepth + 1];
        stateAt[0] = start;
        var count = trie.NodeCount;
        var i = 1;
        while (i < count)
        {
            var depth = depths[i];
            var from = stateAt[depth - 1];
            var next = transitions[from * classCount + classes[bytes[i]]];
            if (next == LazyDfa.Unknown)
            {
                next = dfa.Next(from, bytes[i]);
                transitions = dfa.Transitions;
            }
            if (next < 0)
            {
                i = ends[i];
                continue;
            }
            stateAt[depth] = next;
            for (var k = tokenStart[i]; k < tokenStart[i + 1]; k++)
            {
                var id = tokenIds[k];
                bits[id >> 5] |= 1u << (id & 31);
            }
            i++;
        }
    }

    /// <summary>
    /// Walks the subtree below trie node <paramref name="root"/> of <paramref name="trie"/> from the configurations
    /// <paramref name="initial"/> (the position after the root's bytes). With <paramref name="escapes"/> given, nodes where the
    /// base rule can end are recorded there.
    /// </summary>
    /// <remarks>
    /// Most of the time the position is one configuration in an interior DFA state (no call to enter, no rule end to pop), and
    /// a byte is then a single table lookup; configuration lists are only built around rule boundaries.
    /// </remarks>
    public void WalkConfigs(TokenTrie trie, int root, List<ParseConfig> initial, Span<uint> bits, List<int>? escapes)
    {
        var depthCount = trie.MaxDepth + 1;
        var levels = t_levels;
        if (levels is null || levels.Length < depthCount)
        {
            levels = new List<ParseConfig>[depthCount];
            for (var d = 0; d < levels.Length; d++) levels[d] = [];
            t_levels = levels;
            t_simpleStates = new int[depthCount];
            t_simpleStacks = new ParseStack?[depthCount];
        }
        var simpleStates = t_simpleStates!;
        var simpleStacks = t_simpleStacks!;
        var dfa = grammar.Dfa;
        var classes = dfa.ByteClasses;
        var classCount = dfa.ClassCount;
        var transitions = dfa.Transitions;
        var bytes = trie.Bytes;
        var depths = trie.Depths;
        var ends = trie.SubtreeEnd;

        var baseDepth = depths[root];
        SetLevel(baseDepth, initial);
        var end = ends[root];
        var i = root + 1;
        while (i < end)
        {
            var depth = depths[i];
            var current = levels[depth];
            bool escaped;
            var parentState = simpleStates[depth - 1];
            if (parentState >= 0)
            {
                var next = transitions[parentState * classCount + classes[bytes[i]]];
                if (next == LazyDfa.Unknown)
                {
                    next = dfa.Next(parentState, bytes[i]);
                    transitions = dfa.Transitions;
                }
                if (next < 0)
                {
                    i = ends[i];
                    continue;
                }
                if (dfa[next].IsInterior)
                {
                    simpleStates[depth] = next;
                    simpleStacks[depth] = simpleStacks[depth - 1];
                    SetTokenBits(trie, i, bits);
                    i++;
                    continue;
                }
                current.Clear();
                escaped = false;
                grammar.AddClosed(new ParseConfig(next, simpleStacks[depth - 1]), current, ref escaped);
            }
            else
            {
                escaped = grammar.Step(levels[depth - 1], bytes[i], current);
                transitions = dfa.Transitions;
            }
            if (current.Count == 0 && !escaped)
            {
                i = ends[i];
                continue;
            }
            if (escaped) escapes?.Add(i);
            SetTokenBits(trie, i, bits);
            if (current.Count == 0)
            {
                i = ends[i];
                continue;
            }
            SetLevel(depth, current);
            i++;
        }

        void SetLevel(int depth, List<ParseConfig> configs)
        {
            if (configs.Count == 1 && dfa[configs[0].State].IsInterior)
            {
                simpleStates[depth] = configs[0].State;
                simpleStacks[depth] = configs[0].Stack;
                return;
            }
            simpleStates[depth] = -1;
            if (!ReferenceEquals(configs, levels[depth]))
            {
                levels[depth].Clear();
                levels[depth].AddRange(configs);
            }
        }
    }

    private static void SetTokenBits(TokenTrie trie, int node, Span<uint> bits)
    {
        for (var k = trie.TokenStart[node]; k < trie.TokenStart[node + 1]; k++)
        {
            var id = trie.TokenIds[k];
            bits[id >> 5] |= 1u << (id & 31);
        }
    }
}
