using System.Net;
using System.Text;
using Cluster.Gateway.Grpc;
using Cluster.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>Every response carries <c>x-request-id</c>: the client's own echoed, or a fresh one.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class RequestIdTests(ClusterFixture cluster)
{
    private async Task<string?> IdOf(HttpRequestMessage request)
    {
        using (request)
        using (var response = await cluster.Http.SendAsync(request))
            return response.Headers.TryGetValues("x-request-id", out var values) ? values.Single() : null;
    }

    [Fact]
    public async Task A_clients_request_id_is_echoed_on_success_and_on_errors()
    {
        foreach (var request in new Func<HttpRequestMessage>[]
        {
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/models"),
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent($$"""{"model":"{{ClusterFixture.ModelName}}","messages":[{"role":"user","content":"hi"}],"max_tokens":1}""", Encoding.UTF8, "application/json"),
            },
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{", Encoding.UTF8, "application/json") },
            () => new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-route"),
        })
        {
            string id = "client-" + Guid.NewGuid().ToString("N");
            var message = request();
            message.Headers.Add("X-Request-Id", id);
            Assert.Equal(id, await IdOf(message));
        }
    }

    [Fact]
    public async Task Without_a_usable_client_id_each_response_gets_a_fresh_one()
    {
        string? first = await IdOf(new HttpRequestMessage(HttpMethod.Get, "/health"));
        string? second = await IdOf(new HttpRequestMessage(HttpMethod.Get, "/health"));
        Assert.Matches("^req_[0-9a-f]{32}$", first);
        Assert.Matches("^req_[0-9a-f]{32}$", second);
        Assert.NotEqual(first, second);
        // Too long, or with spaces, is not echoed into headers and logs: replaced.
        var tooLong = new HttpRequestMessage(HttpMethod.Get, "/health");
        tooLong.Headers.Add("X-Request-Id", new string('a', 200));
        Assert.Matches("^req_[0-9a-f]{32}$", await IdOf(tooLong));
        var spaced = new HttpRequestMessage(HttpMethod.Get, "/health");
        spaced.Headers.TryAddWithoutValidation("X-Request-Id", "a b");
        Assert.Matches("^req_[0-9a-f]{32}$", await IdOf(spaced));
    }

    [Fact]
    public async Task gRPC_responses_carry_the_request_id_in_their_headers()
    {
        using var channel = GrpcChannel.ForAddress(cluster.Services.GetRequiredService<GrpcEndpoint>().Address!);
        var client = new Inference.V1.Inference.InferenceClient(channel);
        using var echoed = client.ListModelsAsync(new ListModelsRequest(), new Metadata { { "x-request-id", "grpc-client-id-1" } });
        Assert.Equal("grpc-client-id-1", (await echoed.ResponseHeadersAsync).GetValue("x-request-id"));
        using var fresh = client.ListModelsAsync(new ListModelsRequest());
        Assert.Matches("^req_[0-9a-f]{32}$", (await fresh.ResponseHeadersAsync).GetValue("x-request-id"));
    }
}
