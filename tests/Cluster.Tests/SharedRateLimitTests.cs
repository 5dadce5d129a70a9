using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Cluster.Tests;

/// <summary>
/// API keys' limits on a cluster of real processes: two gateway processes, one silo, one Redis. The gateways count a key
/// against the same rate-limit grain, so the key's budget is one budget whichever gateway a request reaches; and
/// <c>--protect-metrics</c> closes <c>/metrics</c> while <c>/health</c> stays open for probes.
/// </summary>
[Collection(nameof(MultiProcessClusterTests))]
public sealed class SharedRateLimitTests : IDisposable
{
    private const string RequestsKey = "sk-shared-requests-0001";
    private const string TokensKey = "sk-shared-tokens-0002";
    private const string FreeKey = "sk-shared-unlimited-0003";

    private readonly string _keysFile = Path.Combine(Path.GetTempPath(), "cluster-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_keysFile);

    private static async Task<HttpResponseMessage> Send(LocalCluster.Gateway gateway, string? key, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = LocalCluster.Gateway.Json(body);
        return await gateway.Http.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) => response.Headers.TryGetValues(name, out var v) ? v.Single() : null;

    [Fact]
    public async Task A_keys_limits_hold_across_two_gateway_processes()
    {
        await File.WriteAllLinesAsync(_keysFile,
        [
            $"{RequestsKey} name=shared-requests rpm=4",
            $"{TokensKey} name=shared-tokens tpm=40",
            FreeKey,
        ]);
        await using var cluster = await LocalCluster.StartAsync();
        string tiny = await cluster.MakeModelAsync(seed: 1);
        await cluster.StartSiloAsync(tiny, "tiny");
        string[] flags = ["--api-keys-file", _keysFile, "--protect-metrics", "--log-format", "json"];
        var gateways = await Task.WhenAll(cluster.StartGatewayAsync(flags), cluster.StartGatewayAsync(flags));
        foreach (var g in gateways) await WaitForModelAsync(g);

        // Four requests alternating between the gateways spend one budget of four: each sees what the other spent.
        for (int i = 0; i < 4; i++)
        {
            using var response = await Send(gateways[i % 2], RequestsKey, HttpMethod.Get, "/v1/models");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("4", Header(response, "x-ratelimit-limit-requests"));
            Assert.Equal($"{3 - i}", Header(response, "x-ratelimit-remaining-requests"));
        }
        foreach (var g in gateways)
        {
            using var refused = await Send(g, RequestsKey, HttpMethod.Get, "/v1/models");
            string text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)refused.StatusCode} {text}\n{g.Process.Output}");
            var error = JsonNode.Parse(text)!["error"]!;
            Assert.Equal("requests", error["type"]!.GetValue<string>());
            Assert.Equal("rate_limit_exceeded", error["code"]!.GetValue<string>());
            Assert.InRange(int.Parse(Header(refused, "Retry-After")!), 1, 15);
        }

        // Tokens a reply used on one gateway are spent on the other too.
        using (var reply = await Send(gateways[0], TokensKey, HttpMethod.Post, "/v1/chat/completions",
            new { model = "tiny", messages = new[] { new { role = "user", content = string.Join(' ', Enumerable.Repeat("spend the budget", 12)) } }, max_tokens = 4 }))
        {
            string text = await reply.Content.ReadAsStringAsync();
            Assert.True(reply.StatusCode == HttpStatusCode.OK, text);
            Assert.True(JsonNode.Parse(text)!["usage"]!["total_tokens"]!.GetValue<int>() > 40, text);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        string body;
        do
        {
            using var other = await Send(gateways[1], TokensKey, HttpMethod.Get, "/v1/models");
            status = other.StatusCode;
            body = await other.Content.ReadAsStringAsync();
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.True(status == HttpStatusCode.TooManyRequests, body);
        Assert.Equal("tokens", JsonNode.Parse(body)!["error"]!["type"]!.GetValue<string>());

        // An unlimited key is untouched by the others' budgets.
        using (var free = await Send(gateways[1], FreeKey, HttpMethod.Get, "/v1/models"))
            Assert.Equal(HttpStatusCode.OK, free.StatusCode);

        // --protect-metrics: /metrics wants a key, /health never does; the keys never reach the logs.
        foreach (var g in gateways)
        {
            using (var closed = await Send(g, null, HttpMethod.Get, "/metrics")) Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
            using (var open = await Send(g, FreeKey, HttpMethod.Get, "/metrics")) Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            using (var health = await Send(g, null, HttpMethod.Get, "/health")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.DoesNotContain("sk-shared", g.Process.Output);
        }
    }

    private static async Task WaitForModelAsync(LocalCluster.Gateway gateway)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await Send(gateway, FreeKey, HttpMethod.Get, "/v1/models");
            string text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && text.Contains("\"tiny\"", StringComparison.Ordinal)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the gateway lists no model: {(int)response.StatusCode} {text}");
            await Task.Delay(200);
        }
    }
}
