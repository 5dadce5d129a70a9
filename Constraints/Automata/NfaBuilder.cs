using Cluster.Constraints.Grammars;
using Cluster.Constraints.JsonSchema;
using Cluster.Constraints.Regex;
using Cluster.Constraints.Text;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints.Automata;

/// <summary>
/// Lowers a <see cref="Grammar"/> to an <see cref="Nfa"/> (Thompson construction in continuation-passing style:
/// each node is built in front of the state that follows it, so shared continuations are never copied).
/// </summary>
internal sealed class NfaBuilder
{
    private readonly Nfa _nfa = new();
    private readonly TokenVocabulary? _vocabulary;
    private readonly CompilationBudget _budget;
    private readonly Dictionary<GrammarRule, int> _ruleIds = [];
    private readonly Queue<(GrammarRule Rule, int Id)> _pending = new();
    private int _depth;
    private int _steps;

    private NfaBuilder(TokenVocabulary? vocabulary, CompilationBudget budget)
    {
        _vocabulary = vocabulary;
        _budget = budget;
    }

    /// <summary>Builds the NFA; rule 0 is the grammar itself. Without a vocabulary, markers are text and special tokens are errors.</summary>
    /// <exception cref="GrammarException">The grammar is unsatisfiable, names an unknown special token, or goes past a limit of <paramref name="budget"/>.</exception>
    public static Nfa Build(Grammar grammar, TokenVocabulary? vocabulary, CompilationBudget? budget = null)
    {
        budget ??= new CompilationBudget(GrammarLimits.Default);
        var builder = new NfaBuilder(vocabulary, budget);
        builder.BuildRule(grammar, 0);
        while (builder._pending.TryDequeue(out var next)) builder.BuildRule(next.Rule.Body, next.Id);
        budget.CheckTime(null);
        if (!builder._nfa.PruneDeadEnds()) throw new UnsatisfiableGrammarException(grammar is JsonSchemaNode ? "" : null);
        return builder._nfa;
    }

    /// <summary>A new state, within <see cref="GrammarLimits.MaxNfaStates"/>.</summary>
    private int NewState()
    {
        if (_nfa.States.Count >= _budget.Limits.MaxNfaStates) throw NfaLimit();
        return _nfa.AddState();
    }

    private GrammarLimitException NfaLimit() =>
        new(nameof(GrammarLimits.MaxNfaStates), _budget.Limits.MaxNfaStates, null, "the automaton built for it");

    private void BuildRule(Grammar body, int id)
    {
        while (_nfa.RuleStarts.Count <= id)
        {
            _nfa.RuleStarts.Add(-1);
            _nfa.RuleFinals.Add(-1);
        }
        var final = NewState();
        _nfa.States[final].FinalOfRule = id;
        _nfa.RuleFinals[id] = final;
        _nfa.RuleStarts[id] = Build(body, final);
    }

    /// <summary>
    /// Builds <paramref name="node"/> in front of <paramref name="next"/>. Every node counts against the budget: nested counted
    /// repetitions of something empty add no states but can still loop billions of times.
    /// </summary>
    private int Build(Grammar node, int next)
    {
        // The stack check is a backstop for threads with unusually small stacks; the depth limit is what normally applies.
        if (_depth >= _budget.Limits.MaxGrammarDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxGrammarDepth), _budget.Limits.MaxGrammarDepth, null, "the nesting of the grammar");
        }
        if (++_steps > _budget.Limits.MaxNfaStates) throw NfaLimit();
        _budget.Tick(null);
        _depth++;
        var entry = BuildNode(node, next);
        _depth--;
        return entry;
    }

    private int BuildNode(Grammar node, int next)
    {
        switch (node)
        {
            case EmptyNode:
                return next;
            case NothingNode:
                return NewState();
            case BytesNode bytes:
                {
                    var current = next;
                    for (var i = bytes.Bytes.Length - 1; i >= 0; i--)
                    {
                        var state = NewState();
                        _nfa.AddByteEdge(state, bytes.Bytes[i], bytes.Bytes[i], current);
                        current = state;
                    }
                    return current;
                }
            case ByteClassNode byteClass:
                {
                    var state = NewState();
                    foreach (var (lo, hi) in byteClass.Ranges) _nfa.AddByteEdge(state, lo, hi, next);
                    return state;
                }
            case CodePointClassNode codePoints:
                {
                    var entry = BuildCodePoints(codePoints.Encoded, next);
                    if (codePoints.CoversPlainText) _nfa.PlainTextEntries.Add(entry);
                    return entry;
                }
            case SequenceNode sequence:
                {
                    var current = next;
                    for (var i = sequence.Items.Length - 1; i >= 0; i--) current = Build(sequence.Items[i], current);
                    return current;
                }
            case ChoiceNode choice:
                {
                    var state = NewState();
                    foreach (var item in choice.Items) _nfa.AddEpsilon(state, Build(item, next));
                    return state;
                }
            case RepeatNode repeat:
                return BuildRepeat(repeat, next);
            case SpecialTokenNode special:
                {
                    var id = special.Text is null ? CheckSpecial(special.TokenId) : ResolveSpecial(special.Text);
                    var state = NewState();
                    _nfa.AddSpecialEdge(state, id, next);
                    return state;
                }
            case MarkerNode marker:
                {
                    if (_vocabulary is not null && _vocabulary.TryGetSpecialToken(marker.Text, out var id))
                    {
                        var state = NewState();
                        _nfa.AddSpecialEdge(state, id, next);
                        return state;
                    }
                    return Build(Grammar.Literal(marker.Text), next);
                }
            case JsonSchemaNode json:
                return Build(JsonSchemaCompiler.Lower(json.Schema, json.Options, _budget), next);
            case RegexNode regex:
                return Build(RegexParser.Parse(regex.Pattern, RegexParser.Anchoring.FullMatch, _budget.Limits), next);
            case CharacterNode character:
                return Build(character.Content, next);
            case ObjectMembersNode members:
                return BuildObjectMembers(members, next);
            case FreeTextNode freeText:
                return BuildFreeText(freeText.StopStrings, next);
            case RuleReferenceNode reference:
                {
                    if (!_ruleIds.TryGetValue(reference.Rule, out var id))
                    {
                        id = _ruleIds.Count + 1;
                        _ruleIds.Add(reference.Rule, id);
                        _pending.Enqueue((reference.Rule, id));
                    }
                    var state = NewState();
                    _nfa.AddCall(state, id, next);
                    return state;
                }
            default:
                throw new NotSupportedException($"Unknown grammar node {node.GetType().Name}.");
        }
    }

    /// <summary>Token-id terminals must be special (or EOS) tokens: text tokens are matched by their bytes, never by id.</summary>
    private int CheckSpecial(int tokenId) =>
        _vocabulary is null || _vocabulary.IsSpecial(tokenId) || _vocabulary.IsEos(tokenId)
            ? tokenId
            : throw new UnknownSpecialTokenException($"#{tokenId}", "not a special token of the vocabulary; text tokens match by their bytes, not by id.");

    private int ResolveSpecial(string text) =>
        _vocabulary is not null && _vocabulary.TryGetSpecialToken(text, out var id)
            ? id
            : throw new UnknownSpecialTokenException($"'{text}'", "the vocabulary has no such special token.");

    private int BuildCodePoints(List<Utf8Sequences.Sequence> sequences, int next)
    {
        // Sequences share their tails (e.g. "one continuation byte, then next"), which keeps a character class at a handful
        // of states instead of one chain per sequence; counted strings build it hundreds of times.
        Dictionary<(byte Lo, byte Hi, int Target), int>? tails = null;
        var entry = NewState();
        foreach (var sequence in sequences)
        {
            var current = next;
            for (var i = sequence.Ranges.Length - 1; i >= 1; i--)
            {
                tails ??= [];
                var key = (sequence.Ranges[i].Lo, sequence.Ranges[i].Hi, current);
                if (!tails.TryGetValue(key, out var state))
                {
                    state = NewState();
                    _nfa.AddByteEdge(state, key.Lo, key.Hi, current);
                    tails.Add(key, state);
                }
                current = state;
            }
            _nfa.AddByteEdge(entry, sequence.Ranges[0].Lo, sequence.Ranges[0].Hi, current);
        }
        return entry;
    }

    private int BuildRepeat(RepeatNode repeat, int next)
    {
        var item = repeat.Item;
        var separator = repeat.Separator;
        if (repeat.Max is null)
        {
            if (repeat.Min == 0)
            {
                var some = BuildRepeat(new RepeatNode(item, 1, null, separator), next);
                var optional = NewState();
                _nfa.AddEpsilon(optional, some);
                _nfa.AddEpsilon(optional, next);
                return optional;
            }
            // The last mandatory copy and the loop continue at the same state, so they share one build of the item.
            var loop = NewState();
            var itemEntry = Build(item, loop);
            _nfa.AddEpsilon(loop, next);
            _nfa.AddEpsilon(loop, separator is null ? itemEntry : Build(separator, itemEntry));
            var current = itemEntry;
            for (var i = 1; i < repeat.Min; i++) current = Build(item, separator is null ? current : Build(separator, current));
            return current;
        }
        if (separator is not null)
        {
            // item (separator item){min-1,max-1}, optional as a whole when min is 0.
            var rest = new RepeatNode(Grammar.Sequence(separator, item), Math.Max(repeat.Min - 1, 0), repeat.Max - 1, null);
            var some = Grammar.Sequence(item, rest);
            return Build(repeat.Min == 0 ? Grammar.Alternatives(Grammar.Empty, some) : some, next);
        }
        var tail = next;
        for (var i = 0; i < repeat.Max.Value - repeat.Min; i++)
        {
            var state = NewState();
            _nfa.AddEpsilon(state, next);
            _nfa.AddEpsilon(state, Build(item, tail));
            tail = state;
        }
        for (var i = 0; i < repeat.Min; i++) tail = Build(item, tail);
        return tail;
    }

    private int BuildObjectMembers(ObjectMembersNode node, int next)
    {
        var members = node.Members;
        // tails[k]: the rest after member k-1 was written (each later member preceded by the separator).
        var tails = new int[members.Length + 1];
        // Each member (and the additional member) is built once, and "separator, member" enters that same build: building it
        // again for the first position would double the NFA at every level of nested objects.
        var additionalEntry = -1;
        if (node.Additional is { } additional)
        {
            var loop = NewState();
            additionalEntry = Build(additional, loop);
            _nfa.AddEpsilon(loop, next);
            _nfa.AddEpsilon(loop, Build(node.Separator, additionalEntry));
            tails[members.Length] = loop;
        }
        else
        {
            tails[members.Length] = next;
        }
        var memberEntries = new int[members.Length];
        for (var k = members.Length - 1; k >= 0; k--)
        {
            memberEntries[k] = Build(members[k].Member, tails[k + 1]);
            var withMember = Build(node.Separator, memberEntries[k]);
            if (members[k].Required)
            {
                tails[k] = withMember;
            }
            else
            {
                var skip = NewState();
                _nfa.AddEpsilon(skip, tails[k + 1]);
                _nfa.AddEpsilon(skip, withMember);
                tails[k] = skip;
            }
        }
        // The first member written has no separator; it may be any member up to the first required one.
        var entry = NewState();
        var anyRequired = false;
        for (var k = 0; k < members.Length; k++)
        {
            _nfa.AddEpsilon(entry, memberEntries[k]);
            if (members[k].Required)
            {
                anyRequired = true;
                break;
            }
        }
        if (!anyRequired)
        {
            _nfa.AddEpsilon(entry, next);
            if (additionalEntry >= 0) _nfa.AddEpsilon(entry, additionalEntry);
        }
        return entry;
    }

    /// <summary>
    /// Any byte string that never contains a stop string: an Aho–Corasick automaton with the states that complete a
    /// stop string removed. Every state may end the free text.
    /// </summary>
    private int BuildFreeText(string[] stopStrings, int next)
    {
        var automaton = StopStringAutomaton.Build(stopStrings);
        var states = new int[automaton.Count];
        for (var i = 0; i < states.Length; i++) states[i] = automaton.IsMatch(i) ? -1 : NewState();
        for (var i = 0; i < states.Length; i++)
        {
            if (states[i] < 0) continue;
            _nfa.AddEpsilon(states[i], next);
            var b = 0;
            while (b < 256)
            {
                var target = states[automaton.Next(i, (byte)b)];
                var end = b;
                while (end + 1 < 256 && states[automaton.Next(i, (byte)(end + 1))] == target) end++;
                if (target >= 0) _nfa.AddByteEdge(states[i], (byte)b, (byte)end, target);
                b = end + 1;
            }
        }
        return states[0];
    }
}
