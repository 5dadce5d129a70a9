using System.Collections.Concurrent;
using System.Reflection;
using Cluster.Parsers.Engine;
using Cluster.Parsers.Reasoning;
using Cluster.Parsers.Specs;

namespace Cluster.Parsers;

/// <summary>
/// Tool-call parsers by name: the built-in formats (embedded <c>Formats/*.json</c> specs and the few coded
/// formats) plus any spec files loaded at run time. Thread-safe; parsers it creates are not.
/// </summary>
public sealed class ToolCallParserRegistry
{
    private const string ResourcePrefix = "Cluster.Parsers.Formats.";

    private readonly ConcurrentDictionary<string, ToolCallFormatSpec> _specs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Func<ToolCallParserOptions, IToolCallParser>> _coded = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registry of built-in formats, shared by the process.</summary>
    public static ToolCallParserRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>The reasoning parsers these tool parsers compose with.</summary>
    public ReasoningParserRegistry Reasoning { get; } = ReasoningParserRegistry.Default;

    /// <summary>Canonical names of every parser (aliases excluded), sorted.</summary>
    public IReadOnlyList<string> Names =>
        _specs.Keys.Concat(_coded.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Alias → canonical name.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _aliases;

    /// <summary>Creates a registry holding only the built-in formats.</summary>
    public static ToolCallParserRegistry CreateWithBuiltIns()
    {
        var registry = new ToolCallParserRegistry();
        var assembly = typeof(ToolCallParserRegistry).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            if (resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) && !resource.StartsWith(ReasoningParserRegistry.ResourcePrefix, StringComparison.Ordinal))
            {
                registry.Register(ToolCallFormatSpec.FromJson(ReadResource(assembly, resource)));
            }
        }
        CodedFormats.Register(registry);
        return registry;
    }

    /// <summary>Adds (or replaces) a spec-defined format and its aliases.</summary>
    public void Register(ToolCallFormatSpec spec)
    {
        spec.Validate();
        _specs[spec.Name] = spec;
        foreach (var alias in spec.Aliases)
        {
            _aliases[alias] = spec.Name;
        }
    }

    /// <summary>Adds a format implemented in code (for the few that do not fit a spec).</summary>
    public void RegisterCoded(string name, Func<ToolCallParserOptions, IToolCallParser> factory, params string[] aliases)
    {
        _coded[name] = factory;
        foreach (var alias in aliases)
        {
            _aliases[alias] = name;
        }
    }

    /// <summary>Loads a user spec file (see Parsers/README.md) and registers it; returns the spec.</summary>
    public ToolCallFormatSpec LoadSpec(string path)
    {
        var spec = ToolCallFormatSpec.FromJson(File.ReadAllText(path));
        Register(spec);
        return spec;
    }

    /// <summary>True when <paramref name="name"/> (or an alias) is known.</summary>
    public bool Contains(string name) => Resolve(name) is not null;

    /// <summary>The spec behind a spec-defined parser, or null.</summary>
    public ToolCallFormatSpec? FindSpec(string name) =>
        Resolve(name) is { } canonical && _specs.TryGetValue(canonical, out var spec) ? spec : null;

    /// <summary>
    /// Creates a parser for one choice. When the format embeds a reasoning block, or
    /// <see cref="ToolCallParserOptions.ReasoningParser"/> names one, reasoning is split off first.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown name.
    /// </summary>
    public IToolCallParser Create(string name, ToolCallParserOptions? options = null)
    {
        options ??= new ToolCallParserOptions();
        var canonical = Resolve(name) ?? throw new KeyNotFoundException(
            $"Unknown tool-call parser '{name}'. Known: {string.Join(", ", Names)}.");
        var stages = new List<IToolCallParser>(3);
        _specs.TryGetValue(canonical, out var spec);
        if (spec is not null && (spec.StrippedMarkers.Length > 0 || spec.StrippedSpans.Length > 0))
        {
            stages.Add(new MarkupStripper(spec.StrippedMarkers, spec.StrippedSpans));
        }
        var reasoning = options.ReasoningParser is { } r ? Reasoning.Get(r) : spec?.Reasoning;
        if (reasoning is not null)
        {
            stages.Add(new ReasoningParser(reasoning, options.ReasoningStartedInPrompt));
        }
        stages.Add(spec is not null ? new StreamingToolCallEngine(spec, options) : _coded[canonical](options));
        return stages.Count == 1 ? stages[0] : new ParserChain(stages.ToArray());
    }

    private string? Resolve(string name)
    {
        if (_specs.TryGetValue(name, out var spec))
        {
            return spec.Name;
        }
        if (_coded.ContainsKey(name))
        {
            return _coded.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        }
        return _aliases.TryGetValue(name, out var canonical) ? canonical : null;
    }

    internal static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
