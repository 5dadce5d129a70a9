using Cluster.Constraints.Matching;
namespace Cluster.Constraints;

/// <summary>
/// The constraint state of one sequence: which tokens may come next (<see cref="FillMask"/>) and advancing on the sampled
/// token (<see cref="TryAdvance"/>). Not thread-safe; use one per sequence and <see cref="Clone"/> for forks (n &gt; 1, preemption).
/// </summary>
/// <remarks>
/// The automaton behind a matcher is built lazily as generation explores it. Should that reach one of the grammar's
/// <see cref="CompiledGrammar.Limits"/>, the call throws <see cref="GrammarLimitException"/> and the matcher is failed for good:
/// <see cref="Failure"/> holds the error and every later call throws it again. Fail that sequence; others are unaffected.
/// </remarks>
public sealed class TokenMatcher
{
    private readonly CompiledGrammar _grammar;
    private List<ParseConfig> _configs = [];
    private List<ParseConfig> _scratch = [];
    private List<ParseConfig> _scratch2 = [];
    private bool _eosConsumed;
    private GrammarLimitException? _failure;

    internal TokenMatcher(CompiledGrammar grammar)
    {
        _grammar = grammar;
        Reset();
    }

    /// <summary>The grammar being matched.</summary>
    public CompiledGrammar Grammar => _grammar;

    /// <summary>Whether the output so far is a complete match (EOS is allowed exactly then).</summary>
    public bool IsAccepting
    {
        get
        {
            if (_eosConsumed) return true;
            foreach (var config in _configs)
            {
                if (config.Stack is null && _grammar.Dfa[config.State].Accepting) return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Nothing more can follow: EOS was consumed, or the grammar is complete and allows no further token. The engine stops here
    /// (only EOS is in the mask in the second case).
    /// </summary>
    public bool IsFinished
    {
        get
        {
            if (_eosConsumed) return true;
            if (!IsAccepting) return false;
            foreach (var config in _configs)
            {
                var state = _grammar.Dfa.Links(config.State);
                if (state.HasByteEdges || state.Specials!.Length > 0) return false;
            }
            return true;
        }
    }

    /// <summary>Whether an EOS token has been consumed.</summary>
    public bool IsTerminated => _eosConsumed;

    /// <summary>The limit this matcher ran into, or null; once set, <see cref="FillMask"/>, <see cref="TryAdvance"/> and <see cref="IsAllowed"/> throw it.</summary>
    public GrammarLimitException? Failure => _failure;

    /// <summary>Tokens consumed since creation or <see cref="Reset"/>.</summary>
    public int TokenCount { get; private set; }

    /// <summary>Back to the start of the grammar.</summary>
    public void Reset()
    {
        _configs.Clear();
        _grammar.AddStart(_configs);
        _eosConsumed = false;
        TokenCount = 0;
    }

    /// <summary>An independent copy at the same position.</summary>
    public TokenMatcher Clone()
    {
        var copy = new TokenMatcher(_grammar);
        copy._configs.Clear();
        copy._configs.AddRange(_configs); // stacks are persistent, so sharing them is safe
        copy._eosConsumed = _eosConsumed;
        copy._failure = _failure;
        copy.TokenCount = TokenCount;
        return copy;
    }

    /// <summary>
    /// Writes the allowed-token bitmask: bit <c>i</c> of word <c>i / 32</c> set = token <c>i</c> allowed. <paramref name="bitmask"/>
    /// must hold at least <c>ceil(vocabulary size / 32)</c> words. EOS ids are set exactly when <see cref="IsAccepting"/>.
    /// After EOS nothing is allowed.
    /// </summary>
    /// <exception cref="GrammarLimitException">The lazily built automaton reached a limit (see <see cref="Failure"/>).</exception>
    public void FillMask(Span<uint> bitmask)
    {
        var words = _grammar.Vocabulary.MaskWords;
        if (bitmask.Length < words) throw new ArgumentException($"The bitmask needs {words} words.", nameof(bitmask));
        ThrowIfFailed();
        try
        {
            Fill(bitmask[..words]);
        }
        catch (GrammarLimitException e)
        {
            _failure = e;
            throw;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null) throw _failure;
    }

    private void Fill(Span<uint> bitmask)
    {
        var vocabulary = _grammar.Vocabulary;
        if (_eosConsumed)
        {
            bitmask.Clear();
            return;
        }
        if (!_grammar.HasCalls)
        {
            // A single DFA: exactly one configuration, and its mask is cached by state.
            _grammar.GetStateMask(_configs[0].State).CopyTo(bitmask);
        }
        else
        {
            bitmask.Clear();
            for (var c = 0; c < _configs.Count; c++)
            {
                var config = _configs[c];
                var mask = _grammar.GetStateMask(config.State);
                mask.OrInto(bitmask);
                if (config.Stack is not { } stack || mask.EscapeNodes.Length == 0) continue;
                // The rule can end inside some tokens: finish those tokens in the caller's context.
                _scratch.Clear();
                var escaped = false;
                _grammar.AddClosed(new ParseConfig(stack.ReturnState, stack.Parent), _scratch, ref escaped);
                foreach (var node in mask.EscapeNodes) _grammar.Walker.WalkConfigs(mask.EscapeTrie, node, _scratch, bitmask, null);
            }
        }
        var accepting = false;
        foreach (var config in _configs)
        {
            var state = _grammar.Dfa.Links(config.State);
            foreach (var (token, _) in state.Specials!) TokenBitmask.Set(bitmask, token);
            accepting |= config.Stack is null && state.Accepting;
        }
        if (accepting)
        {
            foreach (var eos in vocabulary.EosTokenIds) TokenBitmask.Set(bitmask, eos);
        }
    }

    /// <summary>Whether <paramref name="tokenId"/> may come next (same answer as the mask, computed for one token).</summary>
    /// <exception cref="GrammarLimitException">The lazily built automaton reached a limit (see <see cref="Failure"/>).</exception>
    public bool IsAllowed(int tokenId) => Guarded(tokenId, out _) != Outcome.Rejected;

    /// <summary>
    /// Consumes <paramref name="tokenId"/>. Returns false, leaving the state unchanged, when the token is not allowed.
    /// </summary>
    /// <exception cref="GrammarLimitException">The lazily built automaton reached a limit (see <see cref="Failure"/>).</exception>
    public bool TryAdvance(int tokenId)
    {
        switch (Guarded(tokenId, out var result))
        {
            case Outcome.Rejected:
                return false;
            case Outcome.Eos:
                _eosConsumed = true;
                break;
            default:
                if (ReferenceEquals(result, _scratch)) (_configs, _scratch) = (_scratch, _configs);
                else (_configs, _scratch2) = (_scratch2, _configs);
                break;
        }
        TokenCount++;
        return true;
    }

    private enum Outcome
    {
        Rejected,
        Advanced,
        Eos,
    }

    /// <summary><see cref="Simulate"/>, failing the matcher for good when a limit is reached (the state itself is left unchanged).</summary>
    private Outcome Guarded(int tokenId, out List<ParseConfig>? result)
    {
        ThrowIfFailed();
        try
        {
            return Simulate(tokenId, out result);
        }
        catch (GrammarLimitException e)
        {
            _failure = e;
            throw;
        }
    }

    private Outcome Simulate(int tokenId, out List<ParseConfig>? result)
    {
        result = null;
        var vocabulary = _grammar.Vocabulary;
        if (_eosConsumed || (uint)tokenId >= (uint)vocabulary.Size) return Outcome.Rejected;
        var escaped = false;
        if (vocabulary.IsSpecial(tokenId) || vocabulary.IsEos(tokenId))
        {
            var next = _scratch;
            next.Clear();
            foreach (var config in _configs)
            {
                foreach (var (token, target) in _grammar.Dfa.Links(config.State).Specials!)
                {
                    if (token == tokenId) _grammar.AddClosed(new ParseConfig(target, config.Stack), next, ref escaped);
                }
            }
            if (next.Count > 0)
            {
                result = next;
                return Outcome.Advanced;
            }
            return vocabulary.IsEos(tokenId) && IsAccepting ? Outcome.Eos : Outcome.Rejected;
        }
        var bytes = vocabulary.GetTokenBytes(tokenId);
        if (bytes.IsEmpty) return Outcome.Rejected;
        var from = _configs;
        foreach (var b in bytes)
        {
            var to = ReferenceEquals(from, _scratch) ? _scratch2 : _scratch;
            _grammar.Step(from, b, to);
            if (to.Count == 0) return Outcome.Rejected;
            from = to;
        }
        result = from;
        return Outcome.Advanced;
    }
}
