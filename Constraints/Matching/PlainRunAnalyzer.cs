using System.Collections.Concurrent;
using Cluster.Constraints.Automata;
using Cluster.Constraints.Text;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints.Matching;

/// <summary>
/// Finds DFA states where every plain string character (see <see cref="PlainTextTokens"/>) leads to one and the same next
/// state — the body of a JSON string, counted or not. From such a state a plain token of c characters is accepted exactly
/// when c more such steps exist, so whole groups of tokens are decided without walking them.
/// </summary>
internal sealed class PlainRunAnalyzer(CompiledGrammar grammar)
{
    private const int NotUniform = -2;

    private static readonly (byte Lo, byte Hi)[][] MultiByteSequences =
        [.. Utf8Sequences.Encode(CodePointSet.Range(0x80, CodePointSet.MaxCodePoint)).Select(s => s.Ranges)];

    private readonly ConcurrentDictionary<int, int> _successors = new();

    /// <summary>
    /// How many plain characters can follow <paramref name="state"/> (<see cref="PlainTextTokens.MaxChars"/> or more counts as
    /// unbounded), or false when plain characters do not all behave alike from there.
    /// </summary>
    public bool TryGetPlainRun(int state, out int characters)
    {
        characters = 0;
        var current = state;
        while (characters < PlainTextTokens.MaxChars)
        {
            var next = UniformSuccessor(current);
            if (next == LazyDfa.Dead) return true;
            if (next == NotUniform) return false;
            characters++;
            if (next == current)
            {
                characters = PlainTextTokens.MaxChars;
                return true;
            }
            current = next;
        }
        return true;
    }

    /// <summary>The state every plain character leads to, <see cref="LazyDfa.Dead"/> when all die, or <see cref="NotUniform"/>.</summary>
    private int UniformSuccessor(int state) => _successors.GetOrAdd(state, ComputeUniformSuccessor);

    private int ComputeUniformSuccessor(int state)
    {
        var dfa = grammar.Dfa;
        if (!IsPlainInterior(state)) return NotUniform;
        int? target = null;
        bool Agree(int next)
        {
            if (target is null) target = next;
            return target == next;
        }
        for (var b = 0x20; b < 0x80; b++)
        {
            if (b is '"' or '\\') continue;
            if (!Agree(dfa.Next(state, (byte)b))) return NotUniform;
        }
        Span<bool> seenClass = stackalloc bool[256];
        var frontier = new List<int>();
        var following = new List<int>();
        foreach (var sequence in MultiByteSequences)
        {
            frontier.Clear();
            frontier.Add(state);
            for (var position = 0; position < sequence.Length; position++)
            {
                following.Clear();
                var (lo, hi) = sequence[position];
                foreach (var from in frontier)
                {
                    seenClass.Clear();
                    for (var b = lo; ; b++)
                    {
                        if (!seenClass[dfa.ByteClasses[b]])
                        {
                            seenClass[dfa.ByteClasses[b]] = true;
                            var next = dfa.Next(from, b);
                            var last = position == sequence.Length - 1;
                            if (last)
                            {
                                if (!Agree(next)) return NotUniform;
                            }
                            else
                            {
                                // A character that dies half-way dies as a whole; one that lives must stay in the string body.
                                if (next < 0)
                                {
                                    if (!Agree(LazyDfa.Dead)) return NotUniform;
                                }
                                else
                                {
                                    if (!IsPlainInterior(next)) return NotUniform;
                                    if (!following.Contains(next)) following.Add(next);
                                }
                            }
                        }
                        if (b == hi) break;
                    }
                }
                if (position < sequence.Length - 1) (frontier, following) = (following, frontier);
            }
        }
        var result = target ?? LazyDfa.Dead;
        return result >= 0 && !IsPlainInterior(result) ? NotUniform : result;
    }

    /// <summary>With rule calls, a run must stay inside one rule: no calls to enter and no end to pop from.</summary>
    private bool IsPlainInterior(int state)
    {
        if (!grammar.HasCalls) return true;
        var links = grammar.Dfa.Links(state);
        return links.Calls!.Length == 0 && !links.Accepting;
    }
}
