using Cluster.Constraints.Automata;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Regex;

namespace Cluster.Constraints;

/// <summary>Compiles regular expressions to byte-level automata (lazily determinized, well-formed UTF-8 only).</summary>
public static class RegexCompiler
{
    /// <summary>
    /// An automaton for <paramref name="pattern"/>. With <paramref name="jsonSchemaSemantics"/> the pattern matches anywhere in the text
    /// unless anchored (JSON Schema <c>pattern</c>); otherwise the whole text must match (<c>structured_outputs.regex</c>).
    /// </summary>
    /// <exception cref="UnsupportedRegexException">Backreferences, lookaround, word boundaries, inline flags, Unicode property classes.</exception>
    /// <exception cref="GrammarLimitException">The pattern goes past one of <paramref name="limits"/> (default <see cref="GrammarLimits.Default"/>);
    /// matching can also throw it, when the lazily built DFA reaches <see cref="GrammarLimits.MaxDfaStates"/>.</exception>
    public static ByteAutomaton Compile(string pattern, bool jsonSchemaSemantics = false, GrammarLimits? limits = null)
    {
        limits ??= GrammarLimits.Default;
        var grammar = RegexParser.Parse(pattern, jsonSchemaSemantics ? RegexParser.Anchoring.Search : RegexParser.Anchoring.FullMatch, limits);
        return new ByteAutomaton(new LazyDfa(NfaBuilder.Build(grammar, null, new CompilationBudget(limits)), limits));
    }
}

/// <summary>A byte-level DFA (built on demand) that decides whether a byte string is in a regular language.</summary>
public sealed class ByteAutomaton
{
    private readonly LazyDfa _dfa;

    internal ByteAutomaton(LazyDfa dfa) => _dfa = dfa;

    /// <summary>DFA states built so far.</summary>
    public int StateCount => _dfa.StateCount;

    /// <summary>Whether all of <paramref name="input"/> is in the language.</summary>
    public bool IsMatch(ReadOnlySpan<byte> input)
    {
        var state = _dfa.RuleStart(0);
        foreach (var b in input)
        {
            state = _dfa.Next(state, b);
            if (state < 0) return false;
        }
        return _dfa[state].Accepting;
    }

    /// <summary>Whether all of <paramref name="text"/> (as UTF-8) is in the language.</summary>
    public bool IsMatch(string text) => IsMatch(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Whether <paramref name="input"/> can still be extended to a match (no dead state reached).</summary>
    public bool IsViablePrefix(ReadOnlySpan<byte> input)
    {
        var state = _dfa.RuleStart(0);
        foreach (var b in input)
        {
            state = _dfa.Next(state, b);
            if (state < 0) return false;
        }
        return true;
    }
}
