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

    private readonly PlainRunAnalyzer _plainRuns = new(grammar);

    /// <summary>The context-free mask of one DFA state (see <see cref="StateMask"/>).</summary>
    public StateMask ComputeStateMask(int state)
    {
        var words = grammar.Vocabulary.MaskWords;
        var trie = grammar.Vocabulary.Trie;
        uint[] bits;
        if (_plainRuns.TryGetPlainRun(state, out var characters))
        {
            // Inside a string body: plain tokens short enough are in, wholesale; only the rest of the vocabulary is walked.
            var plain = grammar.Vocabulary.PlainText;
            bits = (uint[])plain.UpToChars[characters].Clone();
            trie = plain.Rest;
        }
        else
        {
            bits = new uint[words];
        }
        if (!grammar.HasCalls)
        {
            WalkDfa(trie, state, bits);
            return new StateMask(bits, trie, []);
        }
        var escapes = new List<int>();
        var start = new List<ParseConfig>();
        var escapedAtStart = false;
        // An escape before any byte needs no record: the matcher's own closure already holds the caller's position.
        grammar.AddClosed(new ParseConfig(state, ParseStack.Unknown), start, ref escapedAtStart);
        WalkConfigs(trie, 0, start, bits, escapes);
        return new StateMask(bits, trie, [.. escapes]);
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
    /// Walks the subtree below trie node <paramref name="root"/> from the configurations <paramref name="initial"/> (the state after
    /// the root's bytes). With <paramref name="escapes"/> given, nodes where the base rule can end are recorded there.
    /// </summary>
    public void WalkConfigs(TokenTrie trie, int root, List<ParseConfig> initial, Span<uint> bits, List<int>? escapes)
    {
        var levels = t_levels;
        if (levels is null || levels.Length < trie.MaxDepth + 1)
        {
            levels = new List<ParseConfig>[trie.MaxDepth + 1];
            for (var d = 0; d < levels.Length; d++) levels[d] = [];
            t_levels = levels;
        }
        var baseLevel = levels[trie.Depths[root]];
        baseLevel.Clear();
        baseLevel.AddRange(initial);
        var end = trie.SubtreeEnd[root];
        var i = root + 1;
        while (i < end)
        {
            var depth = trie.Depths[i];
            var current = levels[depth];
            var escaped = grammar.Step(levels[depth - 1], trie.Bytes[i], current);
            if (current.Count == 0 && !escaped)
            {
                i = trie.SubtreeEnd[i];
                continue;
            }
            if (escaped) escapes?.Add(i);
            for (var k = trie.TokenStart[i]; k < trie.TokenStart[i + 1]; k++)
            {
                var id = trie.TokenIds[k];
                bits[id >> 5] |= 1u << (id & 31);
            }
            i = current.Count == 0 ? trie.SubtreeEnd[i] : i + 1;
        }
    }
}
