using Cluster.Engine.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Cluster.Engine.Tests;

public class KvRowWideningTests
{
    [Theory]
    [InlineData(ScalarType.Float16, 37, 4, 64)]
    [InlineData(ScalarType.BFloat16, 37, 4, 64)]
    [InlineData(ScalarType.Float16, 3, 1, 7)] // shorter than one vector: the scalar tail only
    [InlineData(ScalarType.BFloat16, 5, 3, 9)]
    public void Widening_matches_libtorchs_conversion_bit_for_bit(ScalarType storage, int rows, int heads, int headDim)
    {
        using var scope = NewDisposeScope();
        var values = randn(rows, heads, headDim, generator: new Generator(7)) * 1000;
        var flat = values.view(-1);
        // Values a 16-bit cache can hold that a careless conversion gets wrong.
        flat[0] = float.PositiveInfinity;
        flat[1] = float.NegativeInfinity;
        flat[2] = float.NaN;
        flat[3] = -0.0f;
        flat[4] = 3e-6f; // an fp16 subnormal
        flat[5] = 70000f; // beyond fp16: infinity
        var narrow = values.to_type(storage);

        var widened = KvRowWidening.ToFloat32(narrow);

        Assert.Equal(ScalarType.Float32, widened.dtype);
        Assert.Equal(narrow.shape, widened.shape);
        var expected = narrow.to_type(ScalarType.Float32).data<float>().ToArray();
        var actual = widened.data<float>().ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_strided_gather_is_widened_in_its_logical_order()
    {
        using var scope = NewDisposeScope();
        var narrow = arange(0, 48, dtype: ScalarType.Float32).view(4, 12).to_type(ScalarType.Float16).t();
        Assert.False(narrow.is_contiguous());

        var widened = KvRowWidening.ToFloat32(narrow);

        Assert.Equal(narrow.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), widened.contiguous().data<float>().ToArray());
    }
}
