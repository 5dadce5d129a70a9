using Cluster.Parsers.Formats;

namespace Cluster.Parsers;

/// <summary>The formats too irregular for a spec, implemented in code.</summary>
internal static class CodedFormats
{
    /// <summary>Name, aliases and an example of each coded format (for listings and documentation).</summary>
    public static readonly (string Name, string[] Aliases, string Description, string Example)[] All =
    [
        ("openai", ["gpt_oss", "harmony"], "OpenAI gpt-oss (Harmony): analysis channel is reasoning, final is content, commentary to=functions.NAME is a call.",
            "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}<|call|>"),
    ];

    public static void Register(ToolCallParserRegistry registry)
    {
        registry.RegisterCoded("openai", options => new HarmonyParser(options), "gpt_oss", "harmony");
    }
}
