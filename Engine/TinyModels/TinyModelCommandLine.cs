using System.Globalization;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// The <c>make-tiny-model</c> flags, parsed into <see cref="TinyModelOptions"/>; shared by the gateway's subcommand
/// and any tool (benchmarks) that writes tiny models from a command line.
/// </summary>
public static class TinyModelCommandLine
{
    /// <summary>Usage text listing every flag.</summary>
    public const string Usage = """
        Usage: make-tiny-model --out DIR [--arch llama|mistral|qwen2|qwen3] [--seed N] [--dtype f32|bf16|f16] [--shards N]
                               [--hidden-size N] [--intermediate-size N] [--num-hidden-layers N] [--num-attention-heads N]
                               [--num-key-value-heads N] [--head-dim N] [--vocab-size N] [--max-position-embeddings N]
                               [--sliding-window N]
        """;

    /// <summary>Parses and validates the flags.</summary>
    /// <exception cref="ArgumentException">An unknown flag, a missing or malformed value, no <c>--out</c>, or inconsistent sizes.</exception>
    public static TinyModelOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new TinyModelOptions { OutputDirectory = "" };
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            if (flag is "-h" or "--help")
            {
                throw new ArgumentException("Help requested.");
            }
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{flag} needs a value.");
            }
            var value = args[++i];
            options = flag switch
            {
                "--out" => options with { OutputDirectory = value },
                "--arch" => options with { Architecture = TinyModelArchitectures.Parse(value) },
                "--seed" => options with { Seed = ParseLong(flag, value) },
                "--dtype" => options with { DType = ParseDType(value) },
                "--shards" => options with { ShardCount = ParseInt(flag, value) },
                "--hidden-size" => options with { HiddenSize = ParseInt(flag, value) },
                "--intermediate-size" => options with { IntermediateSize = ParseInt(flag, value) },
                "--num-hidden-layers" => options with { NumHiddenLayers = ParseInt(flag, value) },
                "--num-attention-heads" => options with { NumAttentionHeads = ParseInt(flag, value) },
                "--num-key-value-heads" => options with { NumKeyValueHeads = ParseInt(flag, value) },
                "--head-dim" => options with { HeadDim = ParseInt(flag, value) },
                "--vocab-size" => options with { VocabSize = ParseInt(flag, value) },
                "--max-position-embeddings" => options with { MaxPositionEmbeddings = ParseInt(flag, value) },
                "--sliding-window" => options with { SlidingWindow = ParseInt(flag, value) },
                _ => throw new ArgumentException($"Unknown option {flag}."),
            };
        }
        if (string.IsNullOrWhiteSpace(options.OutputDirectory))
        {
            throw new ArgumentException("--out is required.");
        }
        options.Validate();
        return options;
    }

    private static int ParseInt(string flag, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new ArgumentException($"{flag} expects an integer, got '{value}'.");

    private static long ParseLong(string flag, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new ArgumentException($"{flag} expects an integer, got '{value}'.");

    private static SafetensorsDType ParseDType(string value) => value.ToLowerInvariant() switch
    {
        "f32" or "float32" => SafetensorsDType.F32,
        "bf16" or "bfloat16" => SafetensorsDType.BF16,
        "f16" or "float16" => SafetensorsDType.F16,
        _ => throw new ArgumentException($"--dtype expects f32, bf16 or f16, got '{value}'."),
    };
}
