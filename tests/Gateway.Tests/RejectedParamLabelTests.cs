using Cluster.Gateway.Telemetry;

namespace Cluster.Gateway.Tests;

/// <summary>Refusals are counted by parameter; the label must stay bounded whatever paths clients' bodies have.</summary>
public sealed class RejectedParamLabelTests
{
    [Theory]
    [InlineData("temperature", "temperature")]
    [InlineData("stream_options.include_usage", "stream_options.include_usage")]
    [InlineData("messages[12].tool_call_id", "messages[].tool_call_id")]
    [InlineData("tools[3].function.parameters.properties.city.maxLength", "tools[].function.parameters")]
    [InlineData("response_format.json_schema.schema.items[0].properties.a", "response_format.json_schema.schema")]
    public void Indices_collapse_and_paths_stop_at_three_levels(string param, string label) =>
        Assert.Equal(label, GatewayMetrics.ParamLabel(param));
}
