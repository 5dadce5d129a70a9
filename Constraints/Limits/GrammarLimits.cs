namespace Cluster.Constraints;

/// <summary>
/// Bounds on the work one constraint may cause, so that a small hostile request (a deeply nested schema, a <c>$ref</c> that expands
/// exponentially, a regex with thousands of nested groups) is refused quickly with a <see cref="GrammarLimitException"/> instead of
/// exhausting the stack, memory or CPU. The defaults leave a wide margin above real schemas (OpenAI's strict mode allows 10 levels
/// of nesting and 5000 properties in all) and keep one compile under roughly 100 MB.
/// </summary>
public sealed record GrammarLimits
{
    /// <summary>The defaults below.</summary>
    public static GrammarLimits Default { get; } = new();

    /// <summary>
    /// Schema objects nested on one path (each <c>properties</c>, <c>items</c>, <c>anyOf</c> member, <c>$ref</c> hop or <c>allOf</c>
    /// merge is one level). Default 64: six times OpenAI's 10 levels, leaving room for <c>$ref</c>/<c>anyOf</c> wrappers, while the
    /// compiler's recursion stays far from the stack's end.
    /// </summary>
    public int MaxSchemaDepth { get; init; } = 64;

    /// <summary>
    /// Schema objects compiled in all, counting a non-recursive <c>$ref</c> target again at each use (it is inlined). Default 20 000:
    /// four times OpenAI's 5000 properties; stops <c>$ref</c> chains that double at every level ("billion laughs").
    /// </summary>
    public int MaxSchemaExpansions { get; init; } = 20_000;

    /// <summary>
    /// Nesting of grammar nodes (sequence in choice in repetition …) after lowering, e.g. from a very long property name or tuple.
    /// Default 1000: real schemas lower to a few hundred (64 schema levels at about six nodes each), and the builders recurse once per
    /// level, so 1000 levels stay inside a thread-pool thread's 1.5 MB stack even in unoptimized builds.
    /// </summary>
    public int MaxGrammarDepth { get; init; } = 1000;

    /// <summary>Groups and stacked quantifiers nested in a regex. Default 64: hand-written patterns use a handful.</summary>
    public int MaxRegexNesting { get; init; } = 64;

    /// <summary>
    /// Largest count in a regex quantifier (<c>{n}</c>, <c>{n,m}</c>). Default 4096, like <see cref="JsonSchemaOptions.MaxEnforcedStringLength"/>:
    /// a count is spelled out as that many copies in the automaton.
    /// </summary>
    public int MaxRepeat { get; init; } = 4096;

    /// <summary>
    /// NFA states built for one grammar, and grammar nodes visited building them (whichever is reached first). Default 400 000, at most
    /// about 100 MB: a string with <c>maxLength: 4096</c> takes some 74 000 states, so five of them fit; nested counted repetitions such
    /// as <c>(a{1,1000}){1,1000}</c> or arrays of arrays with <c>minItems: 2</c> do not.
    /// </summary>
    public int MaxNfaStates { get; init; } = 400_000;

    /// <summary>
    /// DFA states built lazily during generation, shared by every sequence using the compiled grammar. Default 200 000: a counted
    /// string walks one state per character, and subset construction can otherwise grow exponentially (<c>(a|b)*a(a|b){20}</c>).
    /// Past it, the sequence that needed a new state fails with <see cref="GrammarLimitException"/>.
    /// </summary>
    public int MaxDfaStates { get; init; } = 200_000;

    /// <summary>
    /// Bytes held by the lazily built DFA (NFA-state sets and transition rows). Default 256 MB: subset states of a large NFA can
    /// each hold many NFA states, so the state count alone does not bound memory.
    /// </summary>
    public long MaxDfaBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Parse configurations (DFA state + stack of rules to return to) alive at one position. Default 1024: recursive schemas keep a
    /// few; ambiguous recursion could otherwise double them at every nesting level.
    /// </summary>
    public int MaxParseConfigurations { get; init; } = 1024;

    /// <summary>
    /// Wall-clock time for compiling one grammar (schema lowering and NFA construction; the DFA is built during generation).
    /// Default 2 s: real schemas compile in milliseconds; the limits above should stop a hostile one well before this does.
    /// </summary>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(2);

    internal string CacheKey =>
        $"{MaxSchemaDepth},{MaxSchemaExpansions},{MaxGrammarDepth},{MaxRegexNesting},{MaxRepeat},{MaxNfaStates},{MaxDfaStates},{MaxDfaBytes},{MaxParseConfigurations},{CompileTimeout.Ticks}";
}
