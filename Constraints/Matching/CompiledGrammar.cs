using Cluster.Constraints.Matching;
using Cluster.Constraints.Automata;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints;

/// <summary>
/// A grammar compiled against one vocabulary. Immutable from the outside and safe to share across threads and sequences;
/// internally it grows its lazy DFA and its cache of per-state token masks as generation explores it.
/// Create one <see cref="TokenMatcher"/> per sequence with <see cref="CreateMatcher"/>.
/// </summary>
public sealed class CompiledGrammar
{
    /// <summary>
    /// Rule nesting limit (recursive <c>$ref</c>s, nested "any JSON" values). Paths nesting deeper are not offered, which keeps
    /// every stack finite and stops random models from nesting without end.
    /// </summary>
    public const int MaxStackDepth = 64;

    /// <summary>Bytes of cached state masks kept per grammar; past it, masks are recomputed on each use.</summary>
    private const long MaxCachedMaskBytes = 64L << 20;

    private readonly object _cacheGate = new();
    private volatile StateMask?[] _masks = new StateMask?[64];

    internal CompiledGrammar(Grammar grammar, TokenVocabulary vocabulary, Nfa nfa, GrammarLimits limits)
    {
        Grammar = grammar;
        Vocabulary = vocabulary;
        Limits = limits;
        Nfa = nfa;
        Dfa = new LazyDfa(nfa, limits);
        HasCalls = nfa.HasCalls;
        Walker = new MaskWalker(this);
    }

    /// <summary>The grammar this was compiled from.</summary>
    public Grammar Grammar { get; }

    /// <summary>The vocabulary this was compiled for.</summary>
    public TokenVocabulary Vocabulary { get; }

    /// <summary>The limits it was compiled under; the lazily built parts (DFA, parse configurations) keep to them during generation.</summary>
    public GrammarLimits Limits { get; }

    internal Nfa Nfa { get; }

    internal LazyDfa Dfa { get; }

    /// <summary>False when the grammar is a single DFA (no rule calls): then the mask depends on the DFA state alone.</summary>
    internal bool HasCalls { get; }

    internal MaskWalker Walker { get; }

    /// <summary>Token sets shared between states.</summary>
    internal MaskInterner Masks { get; } = new();

    /// <summary>DFA states built so far (grows as generation explores the grammar).</summary>
    public int BuiltStateCount => Dfa.StateCount;

    /// <summary>A fresh matcher at the start of the grammar.</summary>
    public TokenMatcher CreateMatcher() => new(this);

    /// <summary>The tokens accepted from DFA state <paramref name="state"/> with the caller's context unknown, cached per state.</summary>
    internal StateMask GetStateMask(int state)
    {
        var masks = _masks;
        if (state < masks.Length && masks[state] is { } cached) return cached;
        // Past the budget, masks are neither cached nor interned, so the interner cannot grow without bound either.
        var interner = Volatile.Read(ref _cachedMaskBytes) + Masks.Bytes < MaxCachedMaskBytes ? Masks : null;
        var computed = Walker.ComputeStateMask(state, interner);
        lock (_cacheGate)
        {
            masks = _masks;
            if (state < masks.Length && masks[state] is { } raced) return raced;
            if (_cachedMaskBytes + Masks.Bytes + computed.Footprint > MaxCachedMaskBytes) return computed;
            if (state >= masks.Length)
            {
                var grown = new StateMask?[Math.Max(masks.Length * 2, state + 1)];
                Array.Copy(masks, grown, masks.Length);
                masks = grown;
            }
            masks[state] = computed;
            CachedMaskCount++;
            _cachedMaskBytes += computed.Footprint;
            _masks = masks;
            return computed;
        }
    }

    internal int CachedMaskCount { get; private set; }

    private long _cachedMaskBytes;

    /// <summary>The initial configurations of a matcher.</summary>
    internal void AddStart(List<ParseConfig> into)
    {
        var escaped = false;
        AddClosed(new ParseConfig(Dfa.RuleStart(0), null), into, ref escaped);
    }

    /// <summary>
    /// Adds <paramref name="config"/> and everything reachable from it without consuming input: entering called rules (push)
    /// and leaving finished ones (pop). Popping <see cref="ParseStack.Unknown"/> sets <paramref name="escaped"/> instead.
    /// </summary>
    /// <exception cref="GrammarLimitException">More than <see cref="GrammarLimits.MaxParseConfigurations"/> configurations at once.</exception>
    internal void AddClosed(ParseConfig config, List<ParseConfig> into, ref bool escaped)
    {
        foreach (var existing in into)
        {
            if (existing.State == config.State && ParseStack.AreEqual(existing.Stack, config.Stack)) return;
        }
        // Each configuration added here is one more level of this recursion, so the cap bounds the stack too.
        if (into.Count >= Limits.MaxParseConfigurations)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxParseConfigurations), Limits.MaxParseConfigurations, null, "the number of parse positions alive at once");
        }
        into.Add(config);
        if (!HasCalls) return;
        var state = Dfa.Links(config.State);
        foreach (var (rule, ret) in state.Calls!)
        {
            if ((config.Stack?.Depth ?? 0) >= MaxStackDepth) break;
            AddClosed(new ParseConfig(Dfa.RuleStart(rule), ParseStack.Push(config.Stack, ret)), into, ref escaped);
        }
        if (state.Accepting && config.Stack is { } stack)
        {
            if (ReferenceEquals(stack, ParseStack.Unknown)) escaped = true;
            else AddClosed(new ParseConfig(stack.ReturnState, stack.Parent), into, ref escaped);
        }
    }

    /// <summary>Advances every configuration in <paramref name="from"/> over one byte into <paramref name="into"/> (cleared first).</summary>
    internal bool Step(List<ParseConfig> from, byte b, List<ParseConfig> into)
    {
        into.Clear();
        var escaped = false;
        foreach (var config in from)
        {
            var next = Dfa.Next(config.State, b);
            if (next >= 0) AddClosed(new ParseConfig(next, config.Stack), into, ref escaped);
        }
        return escaped;
    }
}
