using System.Collections.Concurrent;
using Cluster.Constraints.Automata;
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

    private readonly ConcurrentDictionary<int, int> _successors = new();
    private Func<int, int>? _compute;

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
    private int UniformSuccessor(int state) => _successors.GetOrAdd(state, _compute ??= ComputeUniformSuccessor);

    private int ComputeUniformSuccessor(int state)
    {
        // Decided on the NFA, without building the DFA states inside multi-byte characters: if the only NFA states that can
        // take the first byte of a plain character start a class covering all plain text, every plain character leads to the
        // same place, namely where 'a' leads.
        var dfa = grammar.Dfa;
        if (!IsPlainInterior(state)) return NotUniform;
        var nfa = grammar.Nfa;
        var anyEntry = false;
        foreach (var n in dfa[state].NfaStates)
        {
            var edges = nfa.States[n].Bytes;
            if (edges is null) continue;
            if (nfa.PlainTextEntries.Contains(n))
            {
                anyEntry = true;
                continue;
            }
            foreach (var (lo, hi, _) in edges)
            {
                if (OverlapsPlainLeadBytes(lo, hi)) return NotUniform;
            }
        }
        if (!anyEntry) return LazyDfa.Dead;
        var next = dfa.Next(state, (byte)'a');
        return next >= 0 && IsPlainInterior(next) ? next : NotUniform;
    }

    /// <summary>Whether [lo, hi] meets a byte that can start a plain character (ASCII text but <c>"</c> and <c>\</c>, or a UTF-8 lead byte).</summary>
    private static bool OverlapsPlainLeadBytes(byte lo, byte hi)
    {
        static bool Meets(byte lo, byte hi, int a, int b) => lo <= b && hi >= a;
        return Meets(lo, hi, 0x20, 0x21) || Meets(lo, hi, 0x23, 0x5B) || Meets(lo, hi, 0x5D, 0x7F) || Meets(lo, hi, 0xC2, 0xF4);
    }

    /// <summary>With rule calls, a run must stay inside one rule: no calls to enter and no end to pop from.</summary>
    private bool IsPlainInterior(int state)
    {
        return !grammar.HasCalls || grammar.Dfa[state].IsInterior;
    }
}
