using Cluster.Engine.Scheduling;
using Cluster.Gateway.Cli;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Tests;

/// <summary><c>--dtype</c> and <c>--kv-cache-memory-fraction</c> reach the engine's options; malformed values are refused naming the flag.</summary>
public sealed class EngineMemoryFlagTests
{
    private static EngineOptions Read(params string[] args) =>
        SiloFlags.ReadModel(CommandLine.Parse(args, ServeCommand.Options, SiloFlags.ModelSwitches), "/models/x").ToEngineOptions();

    [Fact]
    public void The_flags_reach_the_engine()
    {
        Assert.Equal(ModelDtype.Auto, Read().Dtype);
        Assert.Equal(0.5, Read().KvCacheMemoryFraction);
        Assert.Equal(ModelDtype.BFloat16, Read("--dtype", "bfloat16").Dtype);
        Assert.Equal(0.8, Read("--kv-cache-memory-fraction", "0.8").KvCacheMemoryFraction);
    }

    [Theory]
    [InlineData("--dtype", "int4")]
    [InlineData("--kv-cache-memory-fraction", "1.5")]
    [InlineData("--kv-cache-memory-fraction", "0")]
    [InlineData("--kv-cache-memory-fraction", "half")]
    public void A_malformed_value_is_refused_naming_the_flag(string flag, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => Read(flag, value));
        Assert.Contains(flag, e.Message);
    }
}
