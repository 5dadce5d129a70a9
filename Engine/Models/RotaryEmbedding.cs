using Cluster.Engine.ModelFiles;
using static TorchSharp.torch;

namespace Cluster.Engine.Models;

/// <summary>
/// Rotary position embedding tables in Hugging Face's "rotate half" layout (not interleaved), with the
/// <c>llama3</c> and <c>linear</c> frequency scalings. Tables are built once for every position the model serves.
/// </summary>
internal sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos; // [maxPositions, headDim]
    private readonly Tensor _sin;

    public RotaryEmbedding(ModelConfig config, int maxPositions, Device device, ScalarType dtype)
    {
        int dim = config.HeadDim;
        var inverse = new double[dim / 2];
        for (int i = 0; i < inverse.Length; i++)
            inverse[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim);
        ApplyScaling(config.RopeScaling, inverse);

        var cos = new float[maxPositions * dim];
        var sin = new float[maxPositions * dim];
        for (int p = 0; p < maxPositions; p++)
        {
            for (int i = 0; i < inverse.Length; i++)
            {
                // HF computes the angle in fp32; doing it in double and rounding once keeps us within 1 ulp of it.
                float angle = (float)p * (float)inverse[i];
                float c = MathF.Cos(angle), s = MathF.Sin(angle);
                cos[p * dim + i] = c; cos[p * dim + i + dim / 2] = c;
                sin[p * dim + i] = s; sin[p * dim + i + dim / 2] = s;
            }
        }
        _cos = tensor(cos, [maxPositions, dim]).to(dtype).to(device);
        _sin = tensor(sin, [maxPositions, dim]).to(dtype).to(device);
    }

    private static void ApplyScaling(RopeScaling? scaling, double[] inverse)
    {
        if (scaling is null) return;
        switch (scaling.RopeType)
        {
            case "llama3":
            {
                double factor = scaling.Factor, low = scaling.LowFreqFactor ?? 1.0, high = scaling.HighFreqFactor ?? 4.0;
                double original = scaling.OriginalMaxPositionEmbeddings ?? 8192;
                double lowWavelength = original / low, highWavelength = original / high;
                for (int i = 0; i < inverse.Length; i++)
                {
                    double wavelength = 2 * Math.PI / inverse[i];
                    if (wavelength < highWavelength) continue;
                    if (wavelength > lowWavelength) { inverse[i] /= factor; continue; }
                    double smooth = (original / wavelength - low) / (high - low);
                    inverse[i] = (1 - smooth) * inverse[i] / factor + smooth * inverse[i];
                }
                break;
            }
            case "linear":
                for (int i = 0; i < inverse.Length; i++) inverse[i] /= scaling.Factor;
                break;
            case "default":
                break;
            default:
                throw new NotSupportedException($"rope_scaling type '{scaling.RopeType}' is not supported.");
        }
    }

    /// <summary>Rotates <paramref name="x"/> [tokens, heads, headDim] by each token's position.</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var cos = _cos.index_select(0, positions).unsqueeze(1);
        var sin = _sin.index_select(0, positions).unsqueeze(1);
        long half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
