using System.Text.Json;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// A Hugging Face model directory: config, generation defaults, tokenizer, chat templates and memory-mapped weights.
/// Dispose it to unmap the weights.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    /// <summary>Where newer Hugging Face folders keep the chat template (instead of tokenizer_config.json).</summary>
    public const string ChatTemplateFileName = "chat_template.jinja";

    private ModelFolder(
        string path,
        ModelConfig config,
        GenerationConfig generationConfig,
        HfTokenizer tokenizer,
        ModelWeights weights,
        IReadOnlyDictionary<string, string> chatTemplates)
    {
        Path = path;
        Config = config;
        GenerationConfig = generationConfig;
        Tokenizer = tokenizer;
        Weights = weights;
        ChatTemplates = chatTemplates;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    public ModelConfig Config { get; }

    /// <summary>generation_config.json (empty when the folder has none).</summary>
    public GenerationConfig GenerationConfig { get; }

    public HfTokenizer Tokenizer { get; }

    public ModelWeights Weights { get; }

    /// <summary>The default chat template, or null when the folder has none.</summary>
    public string? ChatTemplate => ChatTemplates.TryGetValue(TokenizerConfig.DefaultTemplateName, out var template) ? template : null;

    /// <summary>The template for requests with tools: the one named "tool_use" when present, else the default.</summary>
    public string? ToolUseChatTemplate => ChatTemplates.TryGetValue("tool_use", out var template) ? template : ChatTemplate;

    /// <summary>All chat templates by name ("default", "tool_use", ...).</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; }

    /// <summary>Loads a model folder; with <paramref name="withWeights"/> false, everything but the weights (a silo that
    /// only renders prompts and reads outputs for the model, without running it).</summary>
    /// <exception cref="FileNotFoundException">config.json, tokenizer.json or the weights are missing.</exception>
    /// <exception cref="NotSupportedException">The model type or tokenizer is not supported.</exception>
    public static ModelFolder Load(string directory, bool withWeights = true)
    {
        var path = System.IO.Path.GetFullPath(directory);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Model folder {path} does not exist.");
        }
        var config = ModelConfig.Load(System.IO.Path.Combine(path, "config.json"));
        var generationConfig = GenerationConfig.Load(System.IO.Path.Combine(path, "generation_config.json"));
        var tokenizer = HfTokenizer.Load(
            System.IO.Path.Combine(path, "tokenizer.json"),
            System.IO.Path.Combine(path, "tokenizer_config.json"));
        var templates = LoadChatTemplates(path, tokenizer.Config);
        var weights = withWeights ? ModelWeights.Open(path) : ModelWeights.None;
        return new ModelFolder(path, config, generationConfig, tokenizer, weights, templates);
    }

    /// <summary>Unmaps the weights.</summary>
    public void Dispose() => Weights.Dispose();

    /// <summary>
    /// Templates from tokenizer_config.json, overridden by the files newer transformers versions write instead:
    /// <c>chat_template.jinja</c> (the default) and <c>chat_template.json</c> (<c>{"chat_template": ...}</c>).
    /// </summary>
    private static IReadOnlyDictionary<string, string> LoadChatTemplates(string path, TokenizerConfig tokenizerConfig)
    {
        var templates = new Dictionary<string, string>(tokenizerConfig.ChatTemplates, StringComparer.Ordinal);
        var jsonFile = System.IO.Path.Combine(path, "chat_template.json");
        if (File.Exists(jsonFile))
        {
            using var document = JsonElementReading.ParseFile(jsonFile);
            foreach (var (name, template) in TokenizerConfig.ParseChatTemplates(document.RootElement.Field("chat_template")))
            {
                templates[name] = template;
            }
        }
        var jinjaFile = System.IO.Path.Combine(path, ChatTemplateFileName);
        if (File.Exists(jinjaFile))
        {
            templates[TokenizerConfig.DefaultTemplateName] = File.ReadAllText(jinjaFile);
        }
        return templates;
    }
}
