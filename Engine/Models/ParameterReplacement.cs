using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// Gives a loaded module a new weight (a slice of a fused matrix, or the same values in a narrower type) and frees
/// the old tensor at once rather than at garbage collection, so a large model never holds its weights twice.
/// </summary>
internal static class ParameterReplacement
{
    public static void Replace(Linear linear, Tensor value, bool bias)
    {
        var old = bias ? linear.bias : linear.weight;
        var parameter = new Parameter(value, requires_grad: false);
        if (bias) linear.bias = parameter;
        else linear.weight = parameter;
        old?.Dispose();
    }

    public static void Replace(Embedding embedding, Tensor value)
    {
        var old = embedding.weight;
        embedding.weight = new Parameter(value, requires_grad: false);
        old?.Dispose();
    }
}
