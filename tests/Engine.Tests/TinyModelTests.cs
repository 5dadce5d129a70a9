using System.Security.Cryptography;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.Tests;

/// <summary>A temporary folder removed when disposed.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "engine-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Tiny models shared by the tests of one run, written once into a per-run cache.</summary>
public static class TinyModels
{
    // A stable location: the cache keys folders by generator version and options, so runs share what is still valid.
    private static readonly string CacheDirectory = Path.Combine(Path.GetTempPath(), "cluster-engine-tests", "tiny-models");
    private static readonly Lazy<HfTokenizer> SharedTokenizer = new(() =>
    {
        var folder = Folder(TinyModelArchitecture.Qwen2);
        return HfTokenizer.Load(Path.Combine(folder, "tokenizer.json"), Path.Combine(folder, "tokenizer_config.json"));
    });

    /// <summary>The tokenizer every tiny model shares (learned by the generator).</summary>
    public static HfTokenizer Tokenizer => SharedTokenizer.Value;

    public static string Folder(TinyModelArchitecture architecture) =>
        TinyModelCache.Ensure(CacheDirectory, new TinyModelOptions { OutputDirectory = "", Architecture = architecture });
}

public class TinyModelTests
{
    public static TheoryData<TinyModelArchitecture> Architectures => new(Enum.GetValues<TinyModelArchitecture>());

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Folder_is_complete_and_loads(TinyModelArchitecture architecture)
    {
        using var folder = ModelFolder.Load(TinyModels.Folder(architecture));

        Assert.Equal(architecture.ModelType(), folder.Config.ModelType);
        Assert.Equal(folder.Tokenizer.VocabSize, folder.Config.VocabSize);
        Assert.NotNull(folder.ChatTemplate);
        Assert.Contains("tools", folder.ChatTemplate);
        var expected = DecoderCheckpointLayout.For(folder.Config);
        Assert.Equal(expected.Select(t => t.Name).Order(), folder.Weights.Names.Order());
        foreach (var (name, shape) in expected)
        {
            Assert.True(folder.Weights.TryGetTensor(name, out var info, out _));
            Assert.Equal(shape, info.Shape);
            Assert.Equal(SafetensorsDType.F32, info.DType);
        }
        // Every EOS id the files name is a special token the tokenizer knows.
        Assert.NotEmpty(folder.Tokenizer.EosTokenIds);
        Assert.All(folder.Tokenizer.EosTokenIds.Concat(folder.GenerationConfig.EosTokenIds!), id => Assert.True(folder.Tokenizer.IsSpecial(id)));
        Assert.All(folder.Config.EosTokenIds, id => Assert.True(folder.Tokenizer.IsSpecial(id)));
    }

    [Fact]
    public void Tensor_names_follow_the_hugging_face_convention()
    {
        using var qwen3 = ModelFolder.Load(TinyModels.Folder(TinyModelArchitecture.Qwen3));
        using var qwen2 = ModelFolder.Load(TinyModels.Folder(TinyModelArchitecture.Qwen2));
        using var llama = ModelFolder.Load(TinyModels.Folder(TinyModelArchitecture.Llama));
        var c = qwen3.Config;

        Assert.True(qwen3.Weights.TryGetTensor("model.layers.1.self_attn.q_norm.weight", out var qNorm, out _));
        Assert.Equal(new long[] { c.HeadDim }, qNorm.Shape);
        Assert.True(qwen3.Weights.TryGetTensor("model.layers.0.self_attn.q_proj.weight", out var q, out _));
        Assert.Equal(new long[] { c.NumAttentionHeads * c.HeadDim, c.HiddenSize }, q.Shape);
        Assert.True(qwen3.Weights.TryGetTensor("model.layers.0.self_attn.o_proj.weight", out var o, out _));
        Assert.Equal(new long[] { c.HiddenSize, c.NumAttentionHeads * c.HeadDim }, o.Shape);
        Assert.NotEqual(c.HiddenSize, c.NumAttentionHeads * c.HeadDim);
        Assert.True(qwen3.Weights.TryGetTensor("model.layers.0.mlp.down_proj.weight", out var down, out _));
        Assert.Equal(new long[] { c.HiddenSize, c.IntermediateSize }, down.Shape);
        Assert.False(qwen3.Weights.TryGetTensor("model.layers.0.self_attn.q_proj.bias", out _, out _));

        Assert.True(qwen2.Config.AttentionBias);
        Assert.True(qwen2.Weights.TryGetTensor("model.layers.1.self_attn.k_proj.bias", out var kBias, out _));
        Assert.Equal(new long[] { qwen2.Config.NumKeyValueHeads * qwen2.Config.HeadDim }, kBias.Shape);
        Assert.True(qwen2.Config.TieWordEmbeddings);
        Assert.False(qwen2.Weights.TryGetTensor("lm_head.weight", out _, out _));

        Assert.False(llama.Config.TieWordEmbeddings);
        Assert.True(llama.Weights.TryGetTensor("lm_head.weight", out var head, out _));
        Assert.Equal(new long[] { llama.Config.VocabSize, llama.Config.HiddenSize }, head.Shape);
        Assert.Equal("llama3", llama.Config.RopeScaling?.RopeType);
    }

    [Fact]
    public void Same_options_give_identical_bytes_and_another_seed_differs()
    {
        using var dir = new TemporaryDirectory();
        var options = new TinyModelOptions { OutputDirectory = dir.File("a"), Architecture = TinyModelArchitecture.Mistral, Seed = 7 };
        TinyModelBuilder.Write(options);
        TinyModelBuilder.Write(options with { OutputDirectory = dir.File("b") });
        TinyModelBuilder.Write(options with { OutputDirectory = dir.File("c"), Seed = 8 });

        foreach (var file in Directory.GetFiles(dir.File("a")).Select(Path.GetFileName))
        {
            Assert.Equal(Hash(Path.Combine(dir.File("a"), file!)), Hash(Path.Combine(dir.File("b"), file!)));
        }
        Assert.NotEqual(Hash(Path.Combine(dir.File("a"), "model.safetensors")), Hash(Path.Combine(dir.File("c"), "model.safetensors")));
        Assert.Equal(Hash(Path.Combine(dir.File("a"), "tokenizer.json")), Hash(Path.Combine(dir.File("c"), "tokenizer.json")));
    }

    [Fact]
    public void Weights_look_like_an_initialized_model()
    {
        using var folder = ModelFolder.Load(TinyModels.Folder(TinyModelArchitecture.Qwen2));
        var embedding = folder.Weights.ReadFloat32("model.embed_tokens.weight");
        var mean = embedding.Average();
        var std = Math.Sqrt(embedding.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.018, 0.022);

        var norm = folder.Weights.ReadFloat32("model.norm.weight");
        Assert.InRange(norm.Average(), 0.99, 1.01);
        Assert.True(norm.Distinct().Count() > norm.Length / 2, "norm weights should be distinct values near 1");
    }

    [Fact]
    public void Sharded_model_holds_the_same_tensors_as_a_single_file()
    {
        using var dir = new TemporaryDirectory();
        var options = new TinyModelOptions { OutputDirectory = dir.File("single"), Architecture = TinyModelArchitecture.Llama, Seed = 3, DType = SafetensorsDType.BF16 };
        TinyModelBuilder.Write(options);
        var sharded = TinyModelBuilder.Write(options with { OutputDirectory = dir.File("sharded"), ShardCount = 3 });

        Assert.Equal(3, sharded.WeightFiles.Count);
        Assert.True(File.Exists(Path.Combine(dir.File("sharded"), ModelWeights.IndexFileName)));
        Assert.False(File.Exists(Path.Combine(dir.File("sharded"), ModelWeights.SingleFileName)));
        using var single = ModelWeights.Open(dir.File("single"));
        using var shards = ModelWeights.Open(dir.File("sharded"));
        Assert.Equal(3, shards.Files.Count);
        Assert.All(shards.Files, f => Assert.NotEmpty(f.Tensors));
        Assert.Equal(single.Names.Order(), shards.Names.Order());
        foreach (var name in single.Names)
        {
            Assert.Equal(SafetensorsDType.BF16, shards.GetInfo(name).DType);
            Assert.True(single.GetBytes(name).SequenceEqual(shards.GetBytes(name)), name);
        }
    }

    [Fact]
    public void Size_options_are_honoured()
    {
        using var dir = new TemporaryDirectory();
        var summary = TinyModelBuilder.Write(new TinyModelOptions
        {
            OutputDirectory = dir.Path,
            Architecture = TinyModelArchitecture.Mistral,
            HiddenSize = 32,
            IntermediateSize = 48,
            NumHiddenLayers = 3,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            VocabSize = TinyModelTokenizer.Default.VocabSize + 100,
            MaxPositionEmbeddings = 512,
            SlidingWindow = 64,
        });
        var config = ModelConfig.Load(dir.Path);
        Assert.Equal((32, 48, 3, 2, 1, 16), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(TinyModelTokenizer.Default.VocabSize + 100, config.VocabSize);
        Assert.Equal(512, config.MaxPositionEmbeddings);
        Assert.Equal(64, config.SlidingWindow);
        var expectedParameters = DecoderCheckpointLayout.For(config).Sum(t => SafetensorsTensorInfo.CountElements(t.Shape));
        Assert.Equal(expectedParameters, summary.ParameterCount);
        Assert.Equal(expectedParameters * 4, new FileInfo(Path.Combine(dir.Path, "model.safetensors")).Length - HeaderBytes(Path.Combine(dir.Path, "model.safetensors")));
    }

    [Fact]
    public void Command_line_flags_become_options()
    {
        var options = TinyModelCommandLine.Parse(["--out", "dir", "--arch", "qwen3", "--seed", "5", "--dtype", "bf16", "--shards", "2",
            "--hidden-size", "96", "--intermediate-size", "200", "--num-hidden-layers", "3", "--num-attention-heads", "6",
            "--num-key-value-heads", "3", "--head-dim", "8", "--vocab-size", "4000", "--max-position-embeddings", "1024", "--sliding-window", "128"]);
        Assert.Equal(new TinyModelOptions
        {
            OutputDirectory = "dir", Architecture = TinyModelArchitecture.Qwen3, Seed = 5, DType = SafetensorsDType.BF16, ShardCount = 2,
            HiddenSize = 96, IntermediateSize = 200, NumHiddenLayers = 3, NumAttentionHeads = 6, NumKeyValueHeads = 3, HeadDim = 8,
            VocabSize = 4000, MaxPositionEmbeddings = 1024, SlidingWindow = 128,
        }, options);
        Assert.Equal(new TinyModelOptions { OutputDirectory = "d" }, TinyModelCommandLine.Parse(["--out", "d"]));
    }

    [Theory]
    [InlineData("--out d --arch gpt2", "gpt2")]
    [InlineData("--arch llama", "--out")]
    [InlineData("--out d --hidden-size sixty", "sixty")]
    [InlineData("--out d --num-attention-heads 4 --num-key-value-heads 3", "multiple")]
    [InlineData("--out d --colour blue", "--colour")]
    [InlineData("--out", "needs a value")]
    public void Bad_command_lines_are_rejected_with_the_reason(string commandLine, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => TinyModelCommandLine.Parse(commandLine.Split(' ')));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Cache_writes_once_and_reuses_the_folder()
    {
        using var dir = new TemporaryDirectory();
        var first = TinyModelCache.EnsureDefault(dir.Path);
        var written = File.GetLastWriteTimeUtc(Path.Combine(first, "model.safetensors"));
        var second = TinyModelCache.EnsureDefault(dir.Path);
        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(second, "model.safetensors")));
        Assert.Equal("qwen2", ModelConfig.Load(first).ModelType);
        // No temporary folders are left behind.
        Assert.Single(Directory.GetDirectories(dir.Path));
    }

    [Fact]
    public async Task Cache_survives_concurrent_first_use()
    {
        using var dir = new TemporaryDirectory();
        var paths = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => TinyModelCache.EnsureDefault(dir.Path))));
        Assert.Single(paths.Distinct());
        Assert.Single(Directory.GetDirectories(dir.Path));
        using var folder = ModelFolder.Load(paths[0]);
        Assert.NotEmpty(folder.Weights.Names);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static long HeaderBytes(string path)
    {
        using var stream = File.OpenRead(path);
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        return 8 + BitConverter.ToInt64(prefix);
    }
}
