namespace Cluster.Engine.Tokenization;

/// <summary>
/// A token added on top of the BPE vocabulary (Hugging Face <c>added_tokens</c>): matched whole in text before BPE runs.
/// </summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">The token's text, e.g. <c>&lt;|im_end|&gt;</c>.</param>
/// <param name="Special">
/// True for control tokens (skipped by <c>skipSpecialTokens</c> decoding). Some added tokens are not special, e.g.
/// Qwen's <c>&lt;tool_call&gt;</c>, which is matched as one token but decoded as text.
/// </param>
public sealed record AddedToken(int Id, string Content, bool Special);
