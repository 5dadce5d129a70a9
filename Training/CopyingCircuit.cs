using Cluster.Engine.ModelFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Cluster.Training;

/// <summary>
/// Starts the demo model with a copying circuit in its first two layers, so training begins able to copy instead of
/// having to discover how.
/// </summary>
/// <remarks>
/// <para>
/// Filling in a call's arguments from a request and quoting a tool result are copying: find where the current token
/// occurred before and emit the token that followed it (an "induction head"), which needs a head that moves each
/// token's identity to the next position (a "previous-token head") beneath a head that matches on it. A small model
/// finds this pair only after a long plateau: the demo's 2M parameters, trained on nothing but repeated lines, still
/// copied nothing after 460 steps of 32 lines (its loss on the repeat stayed at the lines' own entropy), and the
/// conversations' budget of about 30 minutes ends long before. So both heads are set at initialisation and training
/// only has to sharpen them:
/// </para>
/// <list type="bullet">
/// <item>Layer 0, head 0 attends to the previous position: its query and key come from their biases alone (weights
/// zero), so after the rotary embedding their product depends only on the distance; with the key's bias turned by one
/// position's angle in each of the seven fastest rotary pairs, the score is <c>S·Σ cos(ω_i·(distance − 1))</c>, which
/// puts 8 nats on the previous position over its neighbours and more over any farther one (at rope_theta 1e6, up to
/// 4,096 positions). Its value reads the token's embedding in a random 32-dimensional subspace A; its output writes that
/// into another, C.</item>
/// <item>Layer 1, head 0 matches the current token (its A part) against the previous token written at each position
/// (the C part), in the rotary pairs slow enough that the match barely depends on distance; its value and output carry
/// the attended token's embedding (a third subspace D) to the residual, where the tied LM head reads it as that token.</item>
/// <item>In each later layer, head 0 is a copy path (value and output carry the attended token's embedding through a
/// subspace of its own, as in layer 1) whose query and key are left random: training decides where it looks.</item>
/// <item>Every other head's output projection and every MLP's down projection start at zero, so the residual stream
/// holds only the embedding and the circuit's writes until training adds more (as in zero-initialised residual
/// branches); they still receive gradients from the first step.</item>
/// </list>
/// <para>
/// The scales assume the initial embeddings' spread (<see cref="Engine.TinyModels.TinyModelBuilder.InitializerRange"/>):
/// the previous-token write is about as large as the embedding, and a match scores about four noise deviations above a
/// non-match. Everything stays trainable.
/// </para>
/// </remarks>
internal static class CopyingCircuit
{
    private const int PositionalPairs = 7;

    private const double PositionalMarginNats = 8.0;

    /// <summary>Rotary pairs from this one on turn slowly enough (≤ 0.0056 rad per position at 1e6) to match content.</summary>
    private const int FirstContentPair = 6;

    private const double PreviousTokenWriteScale = 0.05;

    private const double MatchScaleSquared = 3.0;

    private const double CopyWriteScale = 0.1;

    public static void Install(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> weights, ModelConfig config, Generator generator)
    {
        int hidden = config.HiddenSize, d = config.HeadDim, half = d / 2;
        if (config.NumHiddenLayers < 2 || half <= FirstContentPair || half < PositionalPairs || hidden < 3 * d)
            throw new ArgumentException("The copying circuit needs two layers, a head dimension of at least 14 and a hidden size of three heads.");

        using var _ = no_grad();
        // The subspaces and bias tensors are temporaries; the parameters are written in place and outlive the scope.
        using var scope = NewDisposeScope();
        // Three mutually orthogonal d-dimensional subspaces of the residual stream (rows orthonormal).
        var (basis, _) = linalg.qr(randn([hidden, hidden], generator: generator));
        var a = basis.narrow(1, 0, d).t().contiguous();
        var c = basis.narrow(1, d, d).t().contiguous();
        var dSpace = basis.narrow(1, 2 * d, d).t().contiguous();

        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            weights[$"model.layers.{layer}.self_attn.o_proj.weight"].zero_();
            weights[$"model.layers.{layer}.mlp.down_proj.weight"].zero_();
        }

        // Layer 0, head 0: the previous-token head.
        var frequencies = Enumerable.Range(0, half).Select(i => 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / d)).ToArray();
        double Score(int distance) => Enumerable.Range(0, PositionalPairs).Sum(i => Math.Cos(frequencies[i] * (1 - distance)));
        double amplitude = Math.Sqrt(PositionalMarginNats * Math.Sqrt(d) / (Score(1) - Math.Max(Score(0), Score(2))));
        var queryBias = new float[d];
        var keyBias = new float[d];
        for (int i = 0; i < PositionalPairs; i++)
        {
            queryBias[i] = (float)amplitude;
            keyBias[i] = (float)(amplitude * Math.Cos(frequencies[i]));
            keyBias[i + half] = (float)(amplitude * Math.Sin(frequencies[i]));
        }
        const string first = "model.layers.0.self_attn.";
        weights[first + "q_proj.weight"].narrow(0, 0, d).zero_();
        weights[first + "q_proj.bias"].narrow(0, 0, d).copy_(tensor(queryBias));
        weights[first + "k_proj.weight"].narrow(0, 0, d).zero_();
        weights[first + "k_proj.bias"].narrow(0, 0, d).copy_(tensor(keyBias));
        weights[first + "v_proj.weight"].narrow(0, 0, d).copy_(a);
        weights[first + "v_proj.bias"].narrow(0, 0, d).zero_();
        weights[first + "o_proj.weight"].narrow(1, 0, d).copy_(c.t() * PreviousTokenWriteScale);

        // Layer 1, head 0: the induction head, matching in the slow rotary pairs only.
        const string second = "model.layers.1.self_attn.";
        var contentRows = new float[d];
        for (int i = FirstContentPair; i < half; i++) contentRows[i] = contentRows[i + half] = 1f;
        var content = tensor(contentRows, [d, 1]);
        double lambda = Math.Sqrt(MatchScaleSquared);
        weights[second + "q_proj.weight"].narrow(0, 0, d).copy_(a * content * lambda);
        weights[second + "q_proj.bias"].narrow(0, 0, d).zero_();
        weights[second + "k_proj.weight"].narrow(0, 0, d).copy_(c * content * lambda);
        weights[second + "k_proj.bias"].narrow(0, 0, d).zero_();
        weights[second + "v_proj.weight"].narrow(0, 0, d).copy_(dSpace);
        weights[second + "v_proj.bias"].narrow(0, 0, d).zero_();
        weights[second + "o_proj.weight"].narrow(1, 0, d).copy_(dSpace.t() * CopyWriteScale);

        // Later layers, head 0: a copy path with a free query and key. Wherever training makes such a head look (the
        // value after "in" in a request, the number in a tool result), it writes that token's embedding exactly, so
        // training only has to learn where to look, not how to carry a token through.
        for (int layer = 2, space = 3; layer < config.NumHiddenLayers && (space + 1) * d <= hidden; layer++, space++)
        {
            var copySpace = basis.narrow(1, space * d, d).t().contiguous();
            string prefix = $"model.layers.{layer}.self_attn.";
            weights[prefix + "v_proj.weight"].narrow(0, 0, d).copy_(copySpace);
            weights[prefix + "v_proj.bias"].narrow(0, 0, d).zero_();
            weights[prefix + "o_proj.weight"].narrow(1, 0, d).copy_(copySpace.t() * CopyWriteScale);
        }
    }
}
