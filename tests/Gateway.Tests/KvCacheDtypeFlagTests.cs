using Cluster.Engine.Scheduling;
using Cluster.Gateway.Cli;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Tests;

/// <summary><c>--kv-cache-dtype</c> (vLLM's flag and spellings) reaches the engine's options; other values are refused.</summary>
public sealed class KvCacheDtypeFlagTests
{
    [Theory]
    [InlineData(new string[0], KvCacheDtype.Auto)]
    [InlineData(new[] { "--kv-cache-dtype", "fp16" }, KvCacheDtype.Fp16)]
    [InlineData(new[] { "--kv-cache-dtype", "bfloat16" }, KvCacheDtype.Bf16)]
    [InlineData(new[] { "--kv-cache-dtype", "fp32" }, KvCacheDtype.Fp32)]
    public void The_flag_reaches_the_engine(string[] args, KvCacheDtype expected)
    {
        var flags = CommandLine.Parse(args, ServeCommand.Options, SiloFlags.ModelSwitches);
        Assert.Equal(expected, SiloFlags.ReadModel(flags, "/models/x").ToEngineOptions().KvCacheDtype);
    }

    [Fact]
    public void An_unknown_dtype_is_refused_naming_the_flag()
    {
        var flags = CommandLine.Parse(["--kv-cache-dtype", "fp8"], ServeCommand.Options, SiloFlags.ModelSwitches);
        var e = Assert.Throws<ArgumentException>(() => SiloFlags.ReadModel(flags, "/models/x"));
        Assert.Contains("--kv-cache-dtype", e.Message);
    }

    [Fact]
    public void Auto_is_16_bit_on_the_cpu()
    {
        Assert.Equal(TorchSharp.torch.ScalarType.Float16, KvCacheDtypes.Resolve(KvCacheDtype.Auto, cpu: true, TorchSharp.torch.ScalarType.Float32));
        Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, KvCacheDtypes.Resolve(KvCacheDtype.Auto, cpu: false, TorchSharp.torch.ScalarType.BFloat16));
    }
}
