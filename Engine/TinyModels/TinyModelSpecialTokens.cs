namespace Cluster.Engine.TinyModels;

/// <summary>
/// The added tokens every tiny model's tokenizer carries: the control and tool-call markers of the Qwen, Llama 3 and
/// Mistral chat templates, flagged special or not as the real models flag them (Qwen's <c>&lt;tool_call&gt;</c> and
/// <c>&lt;think&gt;</c> are added tokens that decode as text).
/// </summary>
public static class TinyModelSpecialTokens
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";
    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfTextLlama = "<|end_of_text|>";
    public const string EndOfTurn = "<|eot_id|>";
    public const string EndOfMessage = "<|eom_id|>";
    public const string MistralBos = "<s>";
    public const string MistralEos = "</s>";

    /// <summary>Content and special flag, in id order (ids follow the learned vocabulary).</summary>
    public static IReadOnlyList<(string Content, bool Special)> All { get; } =
    [
        (EndOfText, true),
        (ImStart, true),
        (ImEnd, true),
        ("<tool_call>", false),
        ("</tool_call>", false),
        ("<tool_response>", false),
        ("</tool_response>", false),
        ("<think>", false),
        ("</think>", false),
        (BeginOfText, true),
        (EndOfTextLlama, true),
        ("<|start_header_id|>", true),
        ("<|end_header_id|>", true),
        (EndOfTurn, true),
        (EndOfMessage, true),
        ("<|python_tag|>", true),
        (MistralBos, true),
        (MistralEos, true),
        ("[INST]", true),
        ("[/INST]", true),
        ("[TOOL_CALLS]", true),
        ("[AVAILABLE_TOOLS]", true),
        ("[/AVAILABLE_TOOLS]", true),
        ("[TOOL_RESULTS]", true),
        ("[/TOOL_RESULTS]", true),
        ("[CALL_ID]", true),
        ("[ARGS]", true),
        ("[THINK]", true),
        ("[/THINK]", true),
    ];
}
