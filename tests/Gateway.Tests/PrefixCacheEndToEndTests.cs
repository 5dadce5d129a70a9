using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cluster.Gateway.Cli;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Tests;

/// <summary>Prefix caching as an operator sees it: on by default, off with vLLM's flag, counted on <c>/metrics</c>.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class PrefixCacheEndToEndTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_repeated_prompt_is_served_from_the_prefix_cache_and_counted_per_replica()
    {
        double queries = await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:prefix_cache_queries_total", _ => true);
        double hits = await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:prefix_cache_hits_total", _ => true);
        var request = new
        {
            model = ClusterFixture.ModelName,
            messages = new object[]
            {
                new { role = "system", content = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"rule {i}: answer briefly.")) },
                new { role = "user", content = "prefix cache metrics " + Guid.NewGuid().ToString("N") },
            },
            max_tokens = 2,
        };
        for (int i = 0; i < 2; i++)
            (await cluster.Http.PostAsJsonAsync("/v1/chat/completions", request)).EnsureSuccessStatusCode();

        // The second request found at least the shared system prompt (hundreds of tokens) cached.
        Assert.True(await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:prefix_cache_hits_total", v => v >= hits + 200) >= hits + 200);
        Assert.True(await ReplicaMetricsReader.EventuallyAsync(cluster.Http, "vllm:prefix_cache_queries_total", v => v >= queries + 400) >= queries + 400);
        var metrics = await PrometheusScrape.ReadAsync(cluster.Http);
        Assert.Equal("counter", metrics.Types["vllm:prefix_cache_hits_total"]);
        var series = Assert.Single(metrics.Of("vllm:prefix_cache_hits_total", ("model_name", ClusterFixture.ModelName)));
        Assert.True(series.Labels.ContainsKey("replica"));
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--no-enable-prefix-caching" }, false)]
    [InlineData(new[] { "--enable-prefix-caching" }, true)]
    public void Prefix_caching_is_on_unless_turned_off_with_vllms_flag(string[] args, bool enabled)
    {
        var flags = CommandLine.Parse(args, ServeCommand.Options, SiloFlags.ModelSwitches);
        var model = SiloFlags.ReadModel(flags, "/models/x");
        Assert.Equal(enabled, model.EnablePrefixCaching);
        Assert.Equal(enabled, model.ToEngineOptions().EnablePrefixCaching);
    }

    [Fact]
    public void A_config_file_can_turn_prefix_caching_off()
    {
        var flags = CommandLine.Parse([], ServeCommand.Options, SiloFlags.ModelSwitches)
            .WithDefaults(new Dictionary<string, string> { ["--enable-prefix-caching"] = "false" }, ServeCommand.Options);
        Assert.False(SiloFlags.ReadModel(flags, "/models/x").EnablePrefixCaching);
    }
}
