using System.Text.Json;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.Tokenization;

/// <summary>
/// What a Hugging Face <c>tokenizer_config.json</c> adds to <c>tokenizer.json</c>: the named BOS/EOS tokens, whether
/// BOS is prepended, extra added tokens, and chat templates.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>The name under which a template given as a plain string, or the default of a list, is filed.</summary>
    public const string DefaultTemplateName = "default";

    /// <summary>A configuration with nothing set (what a folder without the file has).</summary>
    public static TokenizerConfig Empty { get; } = new();

    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public string? PadToken { get; init; }

    public string? UnkToken { get; init; }

    /// <summary><c>add_bos_token</c>, when the file says.</summary>
    public bool? AddBosToken { get; init; }

    /// <summary><c>add_eos_token</c>, when the file says.</summary>
    public bool? AddEosToken { get; init; }

    /// <summary>The default chat template (a string <c>chat_template</c>, or the one named "default" in a list).</summary>
    public string? ChatTemplate => ChatTemplates.TryGetValue(DefaultTemplateName, out var template) ? template : null;

    /// <summary>All chat templates by name (e.g. "default", "tool_use").</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>Tokens from <c>added_tokens_decoder</c>.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];

    /// <summary>Reads the file; a missing file gives <see cref="Empty"/>.</summary>
    public static TokenizerConfig Load(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return Empty;
        }
        using var document = JsonElementReading.ParseFile(path);
        var root = document.RootElement;

        var addedTokens = new List<AddedToken>();
        if (root.Field("added_tokens_decoder") is { ValueKind: JsonValueKind.Object } decoder)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                if (int.TryParse(entry.Name, out var id) && entry.Value.String("content") is { } content)
                {
                    addedTokens.Add(new AddedToken(id, content, entry.Value.Bool("special") ?? false));
                }
            }
        }

        return new TokenizerConfig
        {
            BosToken = TokenText(root, "bos_token"),
            EosToken = TokenText(root, "eos_token"),
            PadToken = TokenText(root, "pad_token"),
            UnkToken = TokenText(root, "unk_token"),
            AddBosToken = root.Bool("add_bos_token"),
            AddEosToken = root.Bool("add_eos_token"),
            ChatTemplates = ParseChatTemplates(root.Field("chat_template")),
            AddedTokens = addedTokens,
        };
    }

    /// <summary>
    /// Parses a <c>chat_template</c> value: a string (filed as "default") or a list of <c>{"name", "template"}</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseChatTemplates(JsonElement? value)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (value)
        {
            case { ValueKind: JsonValueKind.String } single:
                templates[DefaultTemplateName] = single.GetString()!;
                break;
            case { ValueKind: JsonValueKind.Array } list:
                foreach (var item in list.EnumerateArray())
                {
                    if (item.String("name") is { } name && item.String("template") is { } template)
                    {
                        templates[name] = template;
                    }
                }
                break;
        }
        return templates;
    }

    // Token fields are a plain string, or an AddedToken object {"content": ..., ...} in older files.
    private static string? TokenText(JsonElement root, string name) => root.Field(name) switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Object } token => token.String("content"),
        _ => null,
    };
}
