using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cluster.Constraints.Automata;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Vocabulary;

namespace Cluster.Constraints;

/// <summary>Compiles grammars against a vocabulary, caching the result by (grammar, vocabulary).</summary>
public static class GrammarCompiler
{
    /// <summary>Compiled grammars kept per vocabulary before the cache starts over.</summary>
    public const int CacheCapacity = 1024;

    private static readonly ConditionalWeakTable<TokenVocabulary, ConcurrentDictionary<string, CompiledGrammar>> Caches = [];

    /// <summary>
    /// The compiled form of <paramref name="grammar"/> for <paramref name="vocabulary"/>. Equal grammars (same
    /// <see cref="Grammar.CanonicalKey"/>) compiled for the same vocabulary instance return the same object, whose lazily
    /// built DFA and mask cache are then shared.
    /// </summary>
    /// <param name="grammar">What to compile.</param>
    /// <param name="vocabulary">The tokens to build masks over.</param>
    /// <param name="limits">Bounds on compiling and on the lazily built parts used during generation; <see cref="GrammarLimits.Default"/> when null.</param>
    /// <exception cref="GrammarException">The request's fault, to answer with 400: one of <see cref="UnsupportedSchemaException"/> (a JSON schema
    /// keyword cannot be enforced, or a <c>$ref</c> recurses without writing anything), <see cref="UnsupportedRegexException"/> (a regex feature outside
    /// regular languages), <see cref="GrammarLimitException"/> (past one of <paramref name="limits"/>), <see cref="UnsatisfiableGrammarException"/>
    /// (no output matches) or <see cref="UnknownSpecialTokenException"/>.</exception>
    public static CompiledGrammar Compile(Grammar grammar, TokenVocabulary vocabulary, GrammarLimits? limits = null) =>
        CompileOrReuse(grammar, vocabulary, out _, limits);

    /// <summary><see cref="Compile"/>, saying whether the result came from the cache (nothing was compiled).</summary>
    /// <exception cref="GrammarException">As for <see cref="Compile"/>.</exception>
    public static CompiledGrammar CompileOrReuse(Grammar grammar, TokenVocabulary vocabulary, out bool cached, GrammarLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(vocabulary);
        limits ??= GrammarLimits.Default;
        var cache = Caches.GetValue(vocabulary, _ => new ConcurrentDictionary<string, CompiledGrammar>(StringComparer.Ordinal));
        var key = ReferenceEquals(limits, GrammarLimits.Default) || limits == GrammarLimits.Default
            ? grammar.CanonicalKey
            : $"limits({limits.CacheKey}){grammar.CanonicalKey}";
        cached = cache.TryGetValue(key, out var hit);
        if (cached) return hit!;
        var compiled = CompileUncached(grammar, vocabulary, limits);
        if (cache.Count >= CacheCapacity) cache.Clear();
        return cache.GetOrAdd(key, compiled);
    }

    /// <summary>Compiles without consulting or filling the cache (for measuring compile time).</summary>
    /// <exception cref="GrammarException">As for <see cref="Compile"/>.</exception>
    public static CompiledGrammar CompileUncached(Grammar grammar, TokenVocabulary vocabulary, GrammarLimits? limits = null)
    {
        limits ??= GrammarLimits.Default;
        return new(grammar, vocabulary, NfaBuilder.Build(grammar, vocabulary, new CompilationBudget(limits)), limits);
    }
}
