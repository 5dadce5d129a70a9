using System.Collections.Concurrent;
using System.Text.Json;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers.Reasoning;

/// <summary>Reasoning formats by name (embedded <c>Formats/Reasoning/*.json</c> plus registered ones).</summary>
public sealed class ReasoningParserRegistry
{
    internal const string ResourcePrefix = "Cluster.Parsers.Formats.Reasoning.";

    private readonly ConcurrentDictionary<string, ReasoningFormatSpec> _specs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in reasoning formats.</summary>
    public static ReasoningParserRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>Canonical names, sorted.</summary>
    public IReadOnlyList<string> Names => _specs.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="name"/> (or an alias) is known.</summary>
    public bool Contains(string name) => _specs.ContainsKey(name) || _aliases.ContainsKey(name);

    /// <summary>Alias → canonical name.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _aliases;

    /// <summary>Creates a registry holding the built-in formats.</summary>
    public static ReasoningParserRegistry CreateWithBuiltIns()
    {
        var registry = new ReasoningParserRegistry();
        var assembly = typeof(ReasoningParserRegistry).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                var spec = JsonSerializer.Deserialize<ReasoningFormatSpec>(
                    ToolCallParserRegistry.ReadResource(assembly, resource), ToolCallFormatSpec.JsonOptions)!;
                registry.Register(spec);
            }
        }
        return registry;
    }

    /// <summary>Adds (or replaces) a format.</summary>
    public void Register(ReasoningFormatSpec spec)
    {
        _specs[spec.Name] = spec;
        foreach (var alias in spec.Aliases)
        {
            _aliases[alias] = spec.Name;
        }
    }

    /// <summary>The spec named <paramref name="name"/> (or an alias); throws <see cref="KeyNotFoundException"/> when unknown.</summary>
    public ReasoningFormatSpec Get(string name) =>
        _specs.TryGetValue(name, out var spec) ? spec
        : _aliases.TryGetValue(name, out var canonical) ? _specs[canonical]
        : throw new KeyNotFoundException($"Unknown reasoning parser '{name}'. Known: {string.Join(", ", Names)}.");

    /// <summary>Creates a reasoning parser for one choice.</summary>
    public ReasoningParser Create(string name, bool startedInPrompt = false) => new(Get(name), startedInPrompt);
}
