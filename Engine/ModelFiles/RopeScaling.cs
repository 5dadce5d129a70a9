namespace Cluster.Engine.ModelFiles;

/// <summary>
/// The <c>rope_scaling</c> block of a Hugging Face <c>config.json</c>: how rotary position frequencies are stretched
/// for contexts longer than the model was pre-trained on.
/// </summary>
/// <param name="RopeType">The scaling scheme as Hugging Face names it: <c>llama3</c>, <c>linear</c>, <c>dynamic</c>, <c>yarn</c>, ...</param>
/// <param name="Factor">The context-extension factor.</param>
/// <param name="LowFreqFactor">Llama 3: wavelengths longer than original/low_freq_factor are fully scaled.</param>
/// <param name="HighFreqFactor">Llama 3: wavelengths shorter than original/high_freq_factor are left unscaled.</param>
/// <param name="OriginalMaxPositionEmbeddings">The pre-training context length the scaling is relative to.</param>
public sealed record RopeScaling(
    string RopeType,
    double Factor,
    double? LowFreqFactor,
    double? HighFreqFactor,
    int? OriginalMaxPositionEmbeddings);
