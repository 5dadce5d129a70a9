namespace Cluster.Engine.ModelFiles;

/// <summary>
/// The tensors a Hugging Face Llama-family checkpoint (llama, mistral, qwen2, qwen3) holds for a given config, with
/// their shapes; linear weights are [out, in]. Used to write checkpoints and to check one before loading it.
/// </summary>
public static class DecoderCheckpointLayout
{
    /// <summary>Every expected tensor name and shape, in checkpoint order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> For(ModelConfig config)
    {
        long h = config.HiddenSize;
        long i = config.IntermediateSize;
        long d = config.HeadDim;
        long q = config.NumAttentionHeads * d;
        long kv = config.NumKeyValueHeads * d;
        long v = config.VocabSize;

        var tensors = new List<(string, long[])> { ("model.embed_tokens.weight", [v, h]) };
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var prefix = $"model.layers.{layer}.";
            tensors.Add((prefix + "input_layernorm.weight", [h]));
            tensors.Add((prefix + "self_attn.q_proj.weight", [q, h]));
            tensors.Add((prefix + "self_attn.k_proj.weight", [kv, h]));
            tensors.Add((prefix + "self_attn.v_proj.weight", [kv, h]));
            if (config.AttentionBias)
            {
                tensors.Add((prefix + "self_attn.q_proj.bias", [q]));
                tensors.Add((prefix + "self_attn.k_proj.bias", [kv]));
                tensors.Add((prefix + "self_attn.v_proj.bias", [kv]));
            }
            if (config.ModelType == "qwen3")
            {
                // Qwen3 normalizes each head's queries and keys before RoPE.
                tensors.Add((prefix + "self_attn.q_norm.weight", [d]));
                tensors.Add((prefix + "self_attn.k_norm.weight", [d]));
            }
            tensors.Add((prefix + "self_attn.o_proj.weight", [h, q]));
            tensors.Add((prefix + "post_attention_layernorm.weight", [h]));
            tensors.Add((prefix + "mlp.gate_proj.weight", [i, h]));
            tensors.Add((prefix + "mlp.up_proj.weight", [i, h]));
            tensors.Add((prefix + "mlp.down_proj.weight", [h, i]));
        }
        tensors.Add(("model.norm.weight", [h]));
        if (!config.TieWordEmbeddings)
        {
            tensors.Add(("lm_head.weight", [v, h]));
        }
        return tensors;
    }

    /// <summary>True for RMSNorm scale vectors (initialized near 1, not near 0).</summary>
    public static bool IsNormWeight(string name) => name.EndsWith("norm.weight", StringComparison.Ordinal);
}
