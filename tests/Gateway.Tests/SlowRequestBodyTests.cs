using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A body slower than its Content-Length promises gets a 408 with an OpenAI error body, not a 500. Its own server,
/// whose grace period is short so that the test does not wait Kestrel's default 5 s.
/// </summary>
public sealed class SlowRequestBodyTests : IAsyncLifetime
{
    private TestCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(
        new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2, Seed = 7 },
        new ServedModelOptions { ModelPath = "", ServedModelName = ClusterFixture.ModelName, MaxSequences = 2, MaxModelLength = 256 },
        new GatewayOptions { Port = 0, MinRequestBodyBytesPerSecond = 240, RequestBodyGracePeriod = TimeSpan.FromSeconds(1.5) });

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_body_that_stalls_after_its_headers_gets_a_408_with_an_openai_error()
    {
        await StallAndExpect408("/v1/chat/completions");
        await StallAndExpect408("/v1/completions");
    }

    private async Task StallAndExpect408(string path)
    {
        var address = _cluster!.BaseAddress;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        using var stream = client.GetStream();
        string head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + """{"model":"tiny-test","messages":["""));

        // Then nothing: the server must give up on the body and answer.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, timeout.Token) is > 0 and int n)
        {
            received.Write(buffer, 0, n);
            if (Encoding.UTF8.GetString(received.ToArray()) is var text && text.Contains("\r\n\r\n") && text.EndsWith('}')) break;
        }
        string response = Encoding.UTF8.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.Contains("Content-Type: application/json", response, StringComparison.OrdinalIgnoreCase);
        var error = JsonNode.Parse(response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..])!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("request_timeout", error["code"]!.GetValue<string>());
        Assert.Null(error["param"]);

        using var normal = await _cluster.Http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"max_tokens":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
    }
}
