using System.Text.Json;
using Cluster.Engine.ModelFiles;
using static Cluster.Engine.TinyModels.TinyModelSpecialTokens;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// Writes a tiny model's <c>config.json</c>, <c>generation_config.json</c> and <c>tokenizer_config.json</c> the way
/// Hugging Face writes them for the real model of each family (ids, token names and defaults follow those models).
/// </summary>
internal sealed class TinyModelConfigFiles(TinyModelTokenizer tokenizer)
{
    private const string TransformersVersion = "4.51.0";

    public void WriteConfig(string path, TinyModelOptions options, int vocabSize)
    {
        var architecture = options.Architecture;
        HuggingFaceJsonFile.Write(path, json =>
        {
            json.WriteStartArray("architectures");
            json.WriteStringValue(architecture switch
            {
                TinyModelArchitecture.Llama => "LlamaForCausalLM",
                TinyModelArchitecture.Mistral => "MistralForCausalLM",
                TinyModelArchitecture.Qwen2 => "Qwen2ForCausalLM",
                _ => "Qwen3ForCausalLM",
            });
            json.WriteEndArray();
            json.WriteBoolean("attention_bias", architecture == TinyModelArchitecture.Qwen2);
            json.WriteNumber("attention_dropout", 0.0);
            WriteIds(json, "bos_token_id", [BosId(architecture)]);
            WriteIds(json, "eos_token_id", ConfigEosIds(architecture));
            json.WriteNumber("head_dim", options.ResolvedHeadDim);
            json.WriteString("hidden_act", "silu");
            json.WriteNumber("hidden_size", options.HiddenSize);
            json.WriteNumber("initializer_range", 0.02);
            json.WriteNumber("intermediate_size", options.IntermediateSize);
            json.WriteNumber("max_position_embeddings", options.MaxPositionEmbeddings);
            if (architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3)
            {
                json.WriteNumber("max_window_layers", options.NumHiddenLayers);
            }
            if (architecture == TinyModelArchitecture.Llama)
            {
                json.WriteBoolean("mlp_bias", false);
            }
            json.WriteString("model_type", architecture.ModelType());
            json.WriteNumber("num_attention_heads", options.NumAttentionHeads);
            json.WriteNumber("num_hidden_layers", options.NumHiddenLayers);
            json.WriteNumber("num_key_value_heads", options.NumKeyValueHeads);
            json.WriteNumber("rms_norm_eps", architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3 ? 1e-6 : 1e-5);
            if (architecture == TinyModelArchitecture.Llama)
            {
                // Llama 3.1's scaling. With head_dim 16 and theta 500000 the rotary wavelengths run from 6 to ~600k
                // positions, so against 8192 original positions some are kept, some blended and some stretched.
                json.WriteStartObject("rope_scaling");
                json.WriteNumber("factor", 8.0);
                json.WriteNumber("high_freq_factor", 4.0);
                json.WriteNumber("low_freq_factor", 1.0);
                json.WriteNumber("original_max_position_embeddings", 8192);
                json.WriteString("rope_type", "llama3");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("rope_scaling");
            }
            json.WriteNumber("rope_theta", architecture switch
            {
                TinyModelArchitecture.Llama => 500000.0,
                TinyModelArchitecture.Mistral or TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3 => 1000000.0,
                _ => 10000.0,
            });
            if (architecture == TinyModelArchitecture.Mistral)
            {
                json.WriteNumber("sliding_window", options.SlidingWindow ?? 4096);
            }
            else if (architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3)
            {
                json.WriteNumber("sliding_window", options.SlidingWindow ?? options.MaxPositionEmbeddings);
            }
            // Qwen's small models tie the LM head to the embeddings; Llama and Mistral do not.
            json.WriteBoolean("tie_word_embeddings", architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3);
            json.WriteString("torch_dtype", options.DType.ToTorchDtype());
            json.WriteString("transformers_version", TransformersVersion);
            json.WriteBoolean("use_cache", true);
            if (architecture is TinyModelArchitecture.Qwen2 or TinyModelArchitecture.Qwen3)
            {
                json.WriteBoolean("use_sliding_window", options.SlidingWindow is not null);
            }
            json.WriteNumber("vocab_size", vocabSize);
        });
    }

    public void WriteGenerationConfig(string path, TinyModelArchitecture architecture)
    {
        HuggingFaceJsonFile.Write(path, json =>
        {
            WriteIds(json, "bos_token_id", [BosId(architecture)]);
            switch (architecture)
            {
                case TinyModelArchitecture.Qwen2:
                    json.WriteBoolean("do_sample", true);
                    WriteIds(json, "eos_token_id", [Id(ImEnd), Id(EndOfText)]);
                    json.WriteNumber("pad_token_id", Id(EndOfText));
                    json.WriteNumber("repetition_penalty", 1.05);
                    json.WriteNumber("temperature", 0.7);
                    json.WriteNumber("top_k", 20);
                    json.WriteNumber("top_p", 0.8);
                    break;
                case TinyModelArchitecture.Qwen3:
                    json.WriteBoolean("do_sample", true);
                    WriteIds(json, "eos_token_id", [Id(ImEnd), Id(EndOfText)]);
                    json.WriteNumber("pad_token_id", Id(EndOfText));
                    json.WriteNumber("temperature", 0.6);
                    json.WriteNumber("top_k", 20);
                    json.WriteNumber("top_p", 0.95);
                    break;
                case TinyModelArchitecture.Llama:
                    json.WriteBoolean("do_sample", true);
                    WriteIds(json, "eos_token_id", [Id(EndOfTextLlama), Id(EndOfMessage), Id(EndOfTurn)]);
                    json.WriteNumber("temperature", 0.6);
                    json.WriteNumber("top_p", 0.9);
                    break;
                default:
                    WriteIds(json, "eos_token_id", [Id(MistralEos)]);
                    break;
            }
            json.WriteString("transformers_version", TransformersVersion);
        });
    }

    public void WriteTokenizerConfig(string path, TinyModelOptions options)
    {
        var architecture = options.Architecture;
        var (bos, eos, pad, tokenizerClass) = architecture switch
        {
            TinyModelArchitecture.Llama => ((string?)BeginOfText, EndOfTurn, (string?)null, "PreTrainedTokenizerFast"),
            TinyModelArchitecture.Mistral => (MistralBos, MistralEos, null, "LlamaTokenizerFast"),
            _ => (null, ImEnd, EndOfText, "Qwen2Tokenizer"),
        };
        HuggingFaceJsonFile.Write(path, json =>
        {
            // The chat templates write the BOS token themselves, so encoding must not add a second one.
            json.WriteBoolean("add_bos_token", false);
            json.WriteBoolean("add_eos_token", false);
            json.WriteBoolean("add_prefix_space", false);
            json.WriteStartObject("added_tokens_decoder");
            foreach (var (content, special) in All)
            {
                json.WriteStartObject(Id(content).ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("content", content);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("special", special);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            WriteOptionalString(json, "bos_token", bos);
            json.WriteString("chat_template", TinyModelResources.ChatTemplate(architecture));
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            json.WriteString("eos_token", eos);
            json.WriteString("errors", "replace");
            json.WriteNumber("model_max_length", options.MaxPositionEmbeddings);
            WriteOptionalString(json, "pad_token", pad);
            json.WriteBoolean("split_special_tokens", false);
            json.WriteString("tokenizer_class", tokenizerClass);
            json.WriteNull("unk_token");
        });
    }

    private int Id(string content) => tokenizer.AddedTokenId(content);

    private int BosId(TinyModelArchitecture architecture) => architecture switch
    {
        TinyModelArchitecture.Llama => Id(BeginOfText),
        TinyModelArchitecture.Mistral => Id(MistralBos),
        _ => Id(EndOfText),
    };

    private int[] ConfigEosIds(TinyModelArchitecture architecture) => architecture switch
    {
        TinyModelArchitecture.Llama => [Id(EndOfTextLlama), Id(EndOfMessage), Id(EndOfTurn)],
        TinyModelArchitecture.Mistral => [Id(MistralEos)],
        _ => [Id(ImEnd)],
    };

    /// <summary>One id is written as a number, several as a list, as Hugging Face does.</summary>
    private static void WriteIds(Utf8JsonWriter json, string name, int[] ids)
    {
        if (ids.Length == 1)
        {
            json.WriteNumber(name, ids[0]);
            return;
        }
        json.WriteStartArray(name);
        foreach (var id in ids)
        {
            json.WriteNumberValue(id);
        }
        json.WriteEndArray();
    }

    private static void WriteOptionalString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
