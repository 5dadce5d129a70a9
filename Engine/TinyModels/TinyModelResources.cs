using System.Reflection;

namespace Cluster.Engine.TinyModels;

/// <summary>Reads the generator's embedded data: the tokenizer training corpus and the real chat templates.</summary>
internal static class TinyModelResources
{
    private const string Prefix = "Cluster.Engine.TinyModels.";

    public static string CorpusText => Read("Corpus.training-corpus.txt");

    /// <summary>The chat template file for an architecture (see Templates/README.md for origins).</summary>
    public static string ChatTemplate(TinyModelArchitecture architecture) => Read("Templates." + TemplateFile(architecture));

    public static string TemplateFile(TinyModelArchitecture architecture) => architecture switch
    {
        TinyModelArchitecture.Qwen2 => "Qwen-Qwen2.5-7B-Instruct.jinja",
        TinyModelArchitecture.Qwen3 => "Qwen-Qwen3-0.6B.jinja",
        TinyModelArchitecture.Llama => "meta-llama-Llama-3.1-8B-Instruct.jinja",
        TinyModelArchitecture.Mistral => "vllm-tool_chat_template_mistral_parallel.jinja",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>Every embedded resource's bytes, in name order (what the cache key hashes).</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        var assembly = typeof(TinyModelResources).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            yield return (name, buffer.ToArray());
        }
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"Embedded resource {Prefix + name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
