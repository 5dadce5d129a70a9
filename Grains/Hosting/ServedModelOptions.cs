namespace Cluster.Grains.Hosting;

/// <summary>What a silo serves: one model folder on one device (the CPU here), and the engine's capacity.</summary>
public sealed record ServedModelOptions
{
    /// <summary>A Hugging Face model folder (config.json, safetensors, tokenizer.json, tokenizer_config.json).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The name clients put in <c>model</c>; defaults to the folder's name.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Device this silo runs the model on.</summary>
    public string Device { get; init; } = "cpu:0";

    public int MaxSequences { get; init; } = 16;

    /// <summary><c>--max-model-len</c>: prompt plus completion tokens per sequence.</summary>
    public int MaxModelLength { get; init; } = 2048;

    public int MaxTokensPerStep { get; init; } = 256;

    /// <summary><c>--kv-cache-tokens</c>: KV-cache budget in tokens; null sizes it for every sequence at full length, within <see cref="KvCacheMemoryFraction"/>.</summary>
    public int? KvCacheTokens { get; init; }

    /// <summary><c>--kv-cache-memory-fraction</c>: the most of the memory available at start the KV cache may take (default 0.5).</summary>
    public double KvCacheMemoryFraction { get; init; } = 0.5;

    /// <summary><c>--kv-cache-dtype</c>: <c>auto</c> (fp16 on the CPU), <c>fp16</c>, <c>bf16</c> or <c>fp32</c>.</summary>
    public Engine.Scheduling.KvCacheDtype KvCacheDtype { get; init; } = Engine.Scheduling.KvCacheDtype.Auto;

    /// <summary><c>--dtype</c>: <c>auto</c> (fp32 on the CPU, bf16 on a GPU), <c>float32</c>, <c>bfloat16</c> (on the CPU: matrices in bf16, compute in fp32), <c>float16</c> (GPU).</summary>
    public Engine.Scheduling.ModelDtype Dtype { get; init; } = Engine.Scheduling.ModelDtype.Auto;

    /// <summary><c>--threads</c>: torch intra-op threads.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// <c>--tool-call-parser</c>: a parser name (vLLM's names), <c>auto</c> (detected from the chat template), or the
    /// path of a format spec file. Null: tool calls in the output are not parsed, and <c>tool_choice: "auto"</c> is refused.
    /// </summary>
    public string? ToolCallParser { get; init; }

    /// <summary><c>--reasoning-parser</c>: e.g. <c>deepseek_r1</c>, <c>qwen3</c>; null for none.</summary>
    public string? ReasoningParser { get; init; }

    /// <summary><c>--chat-template</c>: a Jinja file replacing the model folder's template.</summary>
    public string? ChatTemplatePath { get; init; }

    /// <summary><c>--enable-prefix-caching</c> (default) / <c>--no-enable-prefix-caching</c>: reuse the KV blocks of shared prompt prefixes.</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>The device engine's settings these options stand for.</summary>
    public Engine.Scheduling.EngineOptions ToEngineOptions() => new()
    {
        MaxSequences = MaxSequences,
        MaxSequenceLength = MaxModelLength,
        MaxTokensPerStep = MaxTokensPerStep,
        Threads = Threads,
        KvCacheTokens = KvCacheTokens,
        KvCacheMemoryFraction = KvCacheMemoryFraction,
        KvCacheDtype = KvCacheDtype,
        Dtype = Dtype,
        EnablePrefixCaching = EnablePrefixCaching,
        Device = Device.StartsWith("cpu", StringComparison.Ordinal) ? "cpu" : Device,
        ModelName = EffectiveName,
    };

    public string EffectiveName => ServedModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(ModelPath)));
}
