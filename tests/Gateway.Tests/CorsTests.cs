using System.Net;

namespace Cluster.Gateway.Tests;

/// <summary>A browser's view: preflight and actual requests from an allowed origin, another origin, and a server with CORS off.</summary>
internal static class Browser
{
    public static async Task<HttpResponseMessage> Preflight(HttpClient http, string origin, string path = "/v1/chat/completions", string method = "POST")
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return await http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> Get(HttpClient http, string origin, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        if (key is not null) request.Headers.Add("Authorization", "Bearer " + key);
        return await http.SendAsync(request);
    }

    public static string? Header(HttpResponseMessage response, string name) => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

[Collection(nameof(SecuredClusterCollection))]
public sealed class CorsOnTests(SecuredClusterFixture cluster)
{
    private const string Origin = SecuredClusterFixture.Origin;

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered_without_a_key()
    {
        using var response = await Browser.Preflight(cluster.Http, Origin);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Origin, Browser.Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Browser.Header(response, "Access-Control-Allow-Methods")!.Split(','));
        var headers = Browser.Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant().Split(',');
        Assert.Contains("authorization", headers);
        Assert.Contains("content-type", headers);
    }

    [Fact]
    public async Task A_preflight_from_another_origin_or_for_a_method_not_allowed_is_not_allowed()
    {
        using var evil = await Browser.Preflight(cluster.Http, "https://evil.example");
        Assert.Null(Browser.Header(evil, "Access-Control-Allow-Origin"));
        using var put = await Browser.Preflight(cluster.Http, Origin, method: "PUT");
        Assert.DoesNotContain("PUT", Browser.Header(put, "Access-Control-Allow-Methods")?.Split(',') ?? []);
    }

    [Fact]
    public async Task Responses_to_an_allowed_origin_let_the_page_read_them_and_their_ids_and_limits()
    {
        using var ok = await Browser.Get(cluster.Http, Origin, "/v1/models", SecuredClusterFixture.KeyA);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(Origin, Browser.Header(ok, "Access-Control-Allow-Origin"));
        var exposed = Browser.Header(ok, "Access-Control-Expose-Headers")!.ToLowerInvariant().Split(',');
        Assert.Contains("x-request-id", exposed);
        Assert.Contains("x-ratelimit-remaining-requests", exposed);
        Assert.Contains("retry-after", exposed);

        // A refusal too, so that the page can show why.
        using var refused = await Browser.Get(cluster.Http, Origin, "/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Origin, Browser.Header(refused, "Access-Control-Allow-Origin"));

        using var evil = await Browser.Get(cluster.Http, "https://evil.example", "/v1/models", SecuredClusterFixture.KeyA);
        Assert.Null(Browser.Header(evil, "Access-Control-Allow-Origin"));
    }
}

/// <summary>CORS is off by default: nothing allows any origin.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class CorsOffTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Without_allowed_origins_no_preflight_or_response_allows_an_origin()
    {
        using var preflight = await Browser.Preflight(cluster.Http, "https://app.example");
        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Null(Browser.Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Browser.Header(preflight, "Access-Control-Allow-Methods"));
        using var response = await Browser.Get(cluster.Http, "https://app.example", "/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Browser.Header(response, "Access-Control-Allow-Origin"));
    }
}
