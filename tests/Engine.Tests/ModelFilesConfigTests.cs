using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Tests;

public class ModelFilesConfigTests
{
    // Abridged from the published config.json files of the named models.
    private const string Llama31 = """
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
         "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
         "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
         "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
         "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 128256}
        """;

    private const string Mistral7B = """
        {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_size": 4096, "intermediate_size": 14336,
         "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
         "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
        """;

    private const string Qwen25 = """
        {"architectures": ["Qwen2ForCausalLM"], "bos_token_id": 151643, "eos_token_id": 151645, "hidden_size": 3584, "intermediate_size": 18944,
         "max_position_embeddings": 32768, "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28, "num_hidden_layers": 28,
         "num_key_value_heads": 4, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 152064}
        """;

    private const string Qwen3 = """
        {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128,
         "hidden_size": 1024, "intermediate_size": 3072, "max_position_embeddings": 40960, "model_type": "qwen3", "num_attention_heads": 16,
         "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000,
         "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936}
        """;

    [Fact]
    public void Llama_config_with_llama3_rope_scaling()
    {
        var config = ModelConfig.Parse(Llama31);
        Assert.Equal(("llama", "LlamaForCausalLM", 128256, 4096, 14336, 32), (config.ModelType, config.Architecture, config.VocabSize, config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers));
        Assert.Equal((32, 8, 128), (config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal((1e-5, 500000.0, 131072), (config.RmsNormEps, config.RopeTheta, config.MaxPositionEmbeddings));
        Assert.Equal(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), config.RopeScaling);
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
        Assert.Equal(128000, config.BosTokenId);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal("bfloat16", config.TorchDtype);
    }

    [Fact]
    public void Mistral_config_has_a_sliding_window()
    {
        var config = ModelConfig.Parse(Mistral7B);
        Assert.Equal("mistral", config.ModelType);
        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Equal(128, config.HeadDim);
        Assert.Null(config.RopeScaling);
        Assert.Equal([2], config.EosTokenIds);
    }

    [Fact]
    public void Qwen2_always_has_attention_bias_and_ignores_a_disabled_window()
    {
        var config = ModelConfig.Parse(Qwen25);
        Assert.True(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
        Assert.Equal((28, 4, 128), (config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(1e-6, config.RmsNormEps);

        var windowed = ModelConfig.Parse(Qwen25.Replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"));
        Assert.Equal(131072, windowed.SlidingWindow);
    }

    [Fact]
    public void Qwen3_head_dim_is_independent_of_hidden_size()
    {
        var config = ModelConfig.Parse(Qwen3);
        Assert.Equal(128, config.HeadDim);
        Assert.NotEqual(config.HiddenSize / config.NumAttentionHeads, config.HeadDim);
        Assert.True(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
        Assert.Null(config.RopeScaling);
    }

    [Fact]
    public void Defaults_fill_optional_fields_and_old_rope_scaling_spelling_is_read()
    {
        var config = ModelConfig.Parse("""
            {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "rope_scaling": {"type": "linear", "factor": 2.0}}
            """);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling("linear", 2.0, null, null, null), config.RopeScaling);
        Assert.Empty(config.EosTokenIds);
        Assert.Null(config.BosTokenId);
    }

    [Fact]
    public void Unknown_model_type_is_named_in_the_error()
    {
        var error = Assert.Throws<NotSupportedException>(() => ModelConfig.Parse(Llama31.Replace("\"llama\"", "\"gemma3\"")));
        Assert.Contains("gemma3", error.Message);
        Assert.Throws<InvalidDataException>(() => ModelConfig.Parse("""{"model_type": "qwen2", "hidden_size": 64}"""));
        Assert.Throws<InvalidDataException>(() => ModelConfig.Parse(Mistral7B.Replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5")));
    }

    [Theory]
    [InlineData(TinyModelArchitecture.Llama)]
    [InlineData(TinyModelArchitecture.Mistral)]
    [InlineData(TinyModelArchitecture.Qwen2)]
    [InlineData(TinyModelArchitecture.Qwen3)]
    public void Tiny_model_configs_describe_each_family(TinyModelArchitecture architecture)
    {
        var config = ModelConfig.Load(TinyModels.Folder(architecture));
        Assert.Equal(architecture.ModelType(), config.ModelType);
        Assert.Equal(architecture is TinyModelArchitecture.Qwen2, config.AttentionBias);
        Assert.Equal(architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3, config.TieWordEmbeddings);
        Assert.Equal(architecture is TinyModelArchitecture.Mistral ? 4096 : null, config.SlidingWindow);
        Assert.Equal(architecture is TinyModelArchitecture.Llama ? "llama3" : null, config.RopeScaling?.RopeType);
        Assert.Equal(architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3 ? 1e-6 : 1e-5, config.RmsNormEps);
        Assert.NotNull(config.BosTokenId);
        Assert.NotEmpty(config.EosTokenIds);
        Assert.Equal("float32", config.TorchDtype);
    }

    [Fact]
    public void Generation_config_is_optional()
    {
        using var dir = new TemporaryDirectory();
        Assert.Same(GenerationConfig.Empty, GenerationConfig.Load(dir.Path));

        File.WriteAllText(dir.File("generation_config.json"), """
            {"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643], "repetition_penalty": 1.05,
             "temperature": 0.7, "top_k": 20, "top_p": 0.8, "max_new_tokens": 512, "transformers_version": "4.37.0"}
            """);
        var config = GenerationConfig.Load(dir.Path);
        Assert.Equal((0.7, 0.8, 20, 1.05, 512, true, 151643), (config.Temperature, config.TopP, config.TopK, config.RepetitionPenalty, config.MaxNewTokens, config.DoSample, config.BosTokenId));
        Assert.Equal([151645, 151643], config.EosTokenIds!);
    }

    [Fact]
    public void Model_folder_prefers_chat_template_jinja_and_exposes_named_templates()
    {
        using var dir = new TemporaryDirectory();
        foreach (var file in Directory.GetFiles(TinyModels.Folder(TinyModelArchitecture.Qwen2)))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }
        using (var folder = ModelFolder.Load(dir.Path))
        {
            Assert.Contains("<|im_start|>", folder.ChatTemplate);
            Assert.Equal(folder.ChatTemplate, folder.ToolUseChatTemplate);
        }

        File.WriteAllText(dir.File(ModelFolder.ChatTemplateFileName), "{{ messages[0].content }}");
        File.WriteAllText(dir.File("chat_template.json"), """{"chat_template": [{"name": "default", "template": "ignored"}, {"name": "tool_use", "template": "tools!"}]}""");
        using var overridden = ModelFolder.Load(dir.Path);
        Assert.Equal("{{ messages[0].content }}", overridden.ChatTemplate);
        Assert.Equal("tools!", overridden.ToolUseChatTemplate);
        Assert.Equal(Path.GetFullPath(dir.Path), overridden.Path);
    }
}
