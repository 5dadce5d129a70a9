using Cluster.ChatTemplates;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;
using Cluster.Parsers;

namespace Cluster.Grains.Hosting;

/// <summary>A model replica this silo runs: its frontend (files, templates, parsers) and its device engine.</summary>
public sealed class ServedModel(ServedModelOptions options, ModelFolder folder, InferenceEngine engine, ModelPromptFormat format) : IAsyncDisposable
{
    public ServedModelOptions Options { get; } = options;

    public string Name => Options.EffectiveName;

    public InferenceEngine Engine { get; } = engine;

    public ModelFrontend Frontend { get; } = new(options.EffectiveName, folder, format, engine.MaxSequenceLength, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>The engine's latest statistics as the cluster sees them (load reports, the model grain's status).</summary>
    public Contracts.Generation.ModelGrainStatus Status()
    {
        var s = Engine.Statistics;
        return new(Name, Options.Device, s.Running, s.Waiting, s.UsedCacheBlocks, s.CacheBlocks, s.BlockSize, s.CacheBytes, s.Preemptions,
            s.GeneratedTokens, s.PrefixCacheQueries, s.PrefixCacheHits) { PrefixLandmarks = s.PrefixLandmarks as ulong[] ?? [.. s.PrefixLandmarks] };
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync().ConfigureAwait(false);
        Frontend.Folder.Dispose();
    }
}

/// <summary>
/// The model's chat templates (the default one, and Hugging Face's <c>tool_use</c> variant when the folder has
/// it) and its output parsers, resolved once at load.
/// </summary>
/// <param name="Template">Null when the model has no chat template (ChatML is used).</param>
/// <param name="ToolUseTemplate">The template for requests with tools; equals <paramref name="Template"/> when there is no variant.</param>
/// <param name="ToolCallParser">Resolved parser name, or null when none is configured.</param>
/// <param name="ToolCallParserSource">How the parser was chosen: "configured", "spec file", "detected from the chat template".</param>
public sealed record ModelPromptFormat(
    ChatTemplate? Template,
    ChatTemplate? ToolUseTemplate,
    ToolCallParserRegistry Parsers,
    string? ToolCallParser,
    string? ToolCallParserSource,
    string? ReasoningParser);

/// <summary>Resolves a model's <see cref="ModelPromptFormat"/> from its folder and the server's flags.</summary>
public static class ModelPromptFormatResolver
{
    /// <exception cref="InvalidOperationException">A configured parser is unknown, or <c>auto</c> found none.</exception>
    public static ModelPromptFormat Resolve(ServedModelOptions options, ModelFolder folder)
    {
        string? source = options.ChatTemplatePath is { } path ? File.ReadAllText(path) : folder.ChatTemplate;
        var template = source is null ? null : ChatTemplate.Compile(source);
        var toolUse = options.ChatTemplatePath is null && folder.ChatTemplates.TryGetValue("tool_use", out var t) ? ChatTemplate.Compile(t) : template;

        var registry = ToolCallParserRegistry.CreateWithBuiltIns();
        string? parser = null, parserSource = null;
        switch (options.ToolCallParser)
        {
            case null or "":
                break;
            case "auto":
                if (toolUse is null) throw new InvalidOperationException("--tool-call-parser auto needs a chat template, and this model has none.");
                var fits = ToolCallFormatDetector.Detect(toolUse, registry, StopTexts(folder));
                parser = fits.Count > 0 ? fits[0] : throw new InvalidOperationException(
                    "--tool-call-parser auto: no known parser reads this chat template's tool calls; name one with --tool-call-parser or give a spec file.");
                parserSource = "detected from the chat template";
                break;
            case var p when p.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(p):
                parser = registry.LoadSpec(p).Name;
                parserSource = "spec file";
                break;
            case var p:
                parser = registry.Contains(p) ? p : throw new InvalidOperationException($"Unknown --tool-call-parser '{p}'. Known: {string.Join(", ", registry.Names)}.");
                parserSource = "configured";
                break;
        }
        if (options.ReasoningParser is { } reasoning && !registry.Reasoning.Contains(reasoning))
            throw new InvalidOperationException($"Unknown --reasoning-parser '{reasoning}'.");
        return new ModelPromptFormat(template, toolUse, registry, parser, parserSource, options.ReasoningParser);
    }

    /// <summary>Texts of every end-of-sequence token the model's files name.</summary>
    private static IEnumerable<string> StopTexts(ModelFolder folder)
    {
        var ids = folder.Tokenizer.EosTokenIds.Concat(folder.Config.EosTokenIds).Concat(folder.GenerationConfig.EosTokenIds ?? []);
        foreach (int id in ids.Distinct())
            if (folder.Tokenizer.IdToToken(id) is { } text) yield return text;
        if (folder.Tokenizer.EosToken is { } eos) yield return eos;
    }
}
