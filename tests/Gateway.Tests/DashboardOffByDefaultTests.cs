using System.Net;

namespace Cluster.Gateway.Tests;

/// <summary>The Orleans Dashboard shows grain keys and logs: without <c>--dashboard</c> there is nothing under its route.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class DashboardOffByDefaultTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Without_the_flag_dashboard_is_not_found()
    {
        using var page = await cluster.Http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }
}
