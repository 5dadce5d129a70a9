using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;
using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Tests;

/// <summary>
/// The KV cache's default size: every sequence at full length, but never more than the stated fraction of the memory
/// available at start; the reason is part of what the silo prints.
/// </summary>
public sealed class KvCacheBudgetTests
{
    private const long BytesPerToken = 4096;

    [Fact]
    public void A_max_model_len_between_blocks_still_fits_each_sequence()
    {
        // 520 positions need 33 blocks of 16, not the 32 that 520 / 16 rounds down to.
        var budget = KvCacheBudget.Compute(new EngineOptions { MaxSequences = 3, BlockSize = 16 }, 520, BytesPerToken, availableBytes: 1L << 30);
        Assert.Equal(3 * 33 * 16, budget.Tokens);
    }

    [Fact]
    public void Every_sequence_at_full_length_when_memory_allows()
    {
        var budget = KvCacheBudget.Compute(new EngineOptions { MaxSequences = 4 }, 1024, BytesPerToken, availableBytes: 1L << 30);
        Assert.Equal(4096, budget.Tokens);
        Assert.Contains("max-num-seqs 4 × max-model-len 1024", budget.Reason);
    }

    [Fact]
    public void A_fraction_of_available_memory_caps_it()
    {
        var options = new EngineOptions { MaxSequences = 256, KvCacheMemoryFraction = 0.25 };
        var budget = KvCacheBudget.Compute(options, 32768, BytesPerToken, availableBytes: 8L << 30);
        Assert.Equal((2L << 30) / BytesPerToken, budget.Tokens);
        Assert.StartsWith("capped at 0.25 of 8.0 GiB available", budget.Reason);
    }

    [Fact]
    public void Kv_cache_tokens_overrides_both()
    {
        var budget = KvCacheBudget.Compute(new EngineOptions { KvCacheTokens = 1_000_000, KvCacheMemoryFraction = 0.01 }, 2048, BytesPerToken, availableBytes: 1L << 20);
        Assert.Equal(1_000_000, budget.Tokens);
    }

    [Fact]
    public void Available_memory_is_read_from_meminfo_and_the_cgroup_limit()
    {
        string folder = Directory.CreateTempSubdirectory("kv-budget").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "meminfo"), "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n");
            Assert.Equal(20_000_000L * 1024, AvailableMemory.ReadMemInfo(Path.Combine(folder, "meminfo")));
            File.WriteAllText(Path.Combine(folder, "memory.max"), "max\n");
            File.WriteAllText(Path.Combine(folder, "memory.current"), "1000\n");
            Assert.Null(AvailableMemory.ReadCgroupHeadroom(folder));
            File.WriteAllText(Path.Combine(folder, "memory.max"), "4294967296\n");
            File.WriteAllText(Path.Combine(folder, "memory.current"), "1073741824\n");
            Assert.Equal(3L << 30, AvailableMemory.ReadCgroupHeadroom(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        Assert.True(AvailableMemory.Read() > 0, "this Linux machine reports its available memory");
    }

    [Fact]
    public async Task The_engine_sizes_its_cache_within_the_fraction()
    {
        using var directory = new TinyModelDirectory(TinyModelArchitecture.Qwen2, seed: 21);
        using var folder = ModelFolder.Load(directory.Path);
        // A millionth of available memory is a few KiB to a few tens of KiB: far less than 64 sequences × 2,048 positions.
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions { MaxSequences = 64, MaxSequenceLength = 2048, KvCacheMemoryFraction = 1e-6 });
        await engine.Ready;
        Assert.StartsWith("capped at", engine.KvCacheBudget.Reason);
        Assert.True(engine.KvCacheTokens < 64 * 2048, $"{engine.KvCacheTokens} tokens");
    }
}
