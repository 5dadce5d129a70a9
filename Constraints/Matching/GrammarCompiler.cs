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
    /// <exception cref="UnsupportedSchemaException">A JSON schema uses a keyword that cannot be enforced.</exception>
    /// <exception cref="UnsupportedRegexException">A regex uses a feature outside regular languages.</exception>
    /// <exception cref="ArgumentException">A named special token is not in the vocabulary, or the grammar matches no output at all.</exception>
    public static CompiledGrammar Compile(Grammar grammar, TokenVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var cache = Caches.GetValue(vocabulary, _ => new ConcurrentDictionary<string, CompiledGrammar>(StringComparer.Ordinal));
        var key = grammar.CanonicalKey;
        if (cache.TryGetValue(key, out var cached)) return cached;
        var compiled = CompileUncached(grammar, vocabulary);
        if (cache.Count >= CacheCapacity) cache.Clear();
        return cache.GetOrAdd(key, compiled);
    }

    /// <summary>Compiles without consulting or filling the cache (for measuring compile time).</summary>
    public static CompiledGrammar CompileUncached(Grammar grammar, TokenVocabulary vocabulary) =>
        new(grammar, vocabulary, NfaBuilder.Build(grammar, vocabulary));
}
