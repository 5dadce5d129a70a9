using Cluster.Engine.ModelFiles;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the checkpoint's tensor names
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;
#pragma warning restore IDE1006

    public Mlp(ModelConfig config) : base(nameof(Mlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    // gate and up as one matrix once loaded (FuseProjections): one product per layer instead of two.
    private Tensor? _gateUpWeight;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var weight = _gateUpWeight ?? throw new InvalidOperationException("The weights are not loaded (LoadWeights fuses the projections).");
        var gateUp = DecodeGemv.Forward(weight, null, x);
        long width = gateUp.shape[^1] / 2;
        var gate = gateUp.narrow(-1, 0, width);
        var up = gateUp.narrow(-1, width, width);
        return DecodeGemv.Forward(down_proj, nn.functional.silu(gate) * up).MoveToOuterDisposeScope();
    }

    /// <summary>Concatenates the loaded gate and up weights into one matrix; the two projections become views of it, so nothing is held twice.</summary>
    internal void FuseProjections()
    {
        using var noGrad = no_grad();
        long width = gate_proj.weight!.shape[0];
        _gateUpWeight = cat([gate_proj.weight!, up_proj.weight!], 0);
        ParameterReplacement.Replace(gate_proj, _gateUpWeight.narrow(0, 0, width), bias: false);
        ParameterReplacement.Replace(up_proj, _gateUpWeight.narrow(0, width, width), bias: false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gateUpWeight?.Dispose();
        }
        base.Dispose(disposing);
    }
}
