using TorchSharp;

namespace Cluster.Engine.Tests;

public class TorchInitializationTests
{
    [Fact]
    public void Torch_initializes_and_computes_on_cpu()
    {
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.ones(3, 2, dtype: torch.float32);
        using var c = torch.matmul(a, b);
        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.Equal(3f, c[0, 0].item<float>());
        Assert.Equal(12f, c[1, 1].item<float>());
    }
}
