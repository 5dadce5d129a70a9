using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Contracts.Security;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Security;
using Cluster.Grains;
using Cluster.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StatusCode = Grpc.Core.StatusCode;

namespace Cluster.Gateway.Tests;

/// <summary>A stateful session is its creator key's: any other key is told it does not exist, over REST and gRPC.</summary>
[Collection(nameof(SecuredClusterCollection))]
public sealed class SessionOwnershipTests(SecuredClusterFixture cluster) : IDisposable
{
    private const string Model = SecuredClusterFixture.ModelName;
    private const string Owner = SecuredClusterFixture.KeyA;
    private const string Stranger = SecuredClusterFixture.KeyB;

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.GrpcAddress);

    public void Dispose() => _channel.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode? Body)> Send(HttpMethod method, string path, string key, string? session = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Authorization", "Bearer " + key);
        if (session is not null) request.Headers.Add("X-Session-Id", session);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await cluster.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null);
    }

    private Task<(HttpStatusCode Status, JsonNode? Body)> Chat(string key, string session, bool stream = false) =>
        Send(HttpMethod.Post, "/v1/chat/completions", key, session, new { model = Model, messages = new[] { new { role = "user", content = "remember me" } }, max_tokens = 2, stream });

    private static void AssertNotFound((HttpStatusCode Status, JsonNode? Body) answer, string what)
    {
        Assert.True(answer.Status == HttpStatusCode.NotFound, $"{what}: {(int)answer.Status} {answer.Body?.ToJsonString()}");
        Assert.Equal("session_not_found", answer.Body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stored_response_belongs_to_the_key_that_made_it()
    {
        var (status, response) = await Send(HttpMethod.Post, "/v1/responses", Owner, body: new { model = Model, input = "remember me", max_output_tokens = 2 });
        Assert.True(status == HttpStatusCode.OK, response?.ToJsonString());
        string id = response!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/v1/responses/{id}", Owner)).Status);

        // Another key cannot read it, list its input, continue it, refer to its items or delete it: to that key it does not exist.
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"/v1/responses/{id}", null),
            (HttpMethod.Get, $"/v1/responses/{id}/input_items", null),
            (HttpMethod.Delete, $"/v1/responses/{id}", null),
            (HttpMethod.Post, "/v1/responses", new { model = Model, input = "and now?", previous_response_id = id, max_output_tokens = 2 }),
            (HttpMethod.Post, "/v1/responses", new { model = Model, input = new object[] { new { type = "item_reference", id = response["output"]![0]!["id"]!.GetValue<string>() } }, max_output_tokens = 2 }),
        })
        {
            var (strangerStatus, error) = await Send(method, path, Stranger, body: body);
            Assert.True(strangerStatus == HttpStatusCode.NotFound, $"{method} {path}: {(int)strangerStatus} {error?.ToJsonString()}");
        }
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/v1/responses/{id}", Owner)).Status);
        var (continued, next) = await Send(HttpMethod.Post, "/v1/responses", Owner, body: new { model = Model, input = "and now?", previous_response_id = id, max_output_tokens = 2 });
        Assert.True(continued == HttpStatusCode.OK, next?.ToJsonString());
    }

    [Fact]
    public async Task Another_key_gets_404_for_a_session_over_REST_as_for_one_that_does_not_exist()
    {
        string session = "owned-" + Guid.NewGuid().ToString("N");
        var (status, body) = await Chat(Owner, session);
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());

        var stranger = await Send(HttpMethod.Get, $"/v1/sessions/{session}", Stranger);
        var nobody = await Send(HttpMethod.Get, $"/v1/sessions/never-{Guid.NewGuid():N}", Stranger);
        AssertNotFound(stranger, "GET by another key");
        AssertNotFound(nobody, "GET of a session that does not exist");
        // The same answer, word for word but the id: nothing tells the stranger the session exists.
        Assert.Equal(nobody.Body!["error"]!["message"]!.GetValue<string>().Split('\'')[0], stranger.Body!["error"]!["message"]!.GetValue<string>().Split('\'')[0]);
        AssertNotFound(await Chat(Stranger, session), "chat by another key");
        AssertNotFound(await Chat(Stranger, session, stream: true), "streamed chat by another key");
        AssertNotFound(await Send(HttpMethod.Post, "/v1/completions", Stranger, session, new { model = Model, prompt = "hi", max_tokens = 1 }), "completion by another key");
        AssertNotFound(await Send(HttpMethod.Delete, $"/v1/sessions/{session}", Stranger), "DELETE by another key");

        // The owner still has it all: the stranger's attempts neither read, wrote nor deleted anything.
        var (ownStatus, snapshot) = await Send(HttpMethod.Get, $"/v1/sessions/{session}", Owner);
        Assert.True(ownStatus == HttpStatusCode.OK, snapshot?.ToJsonString());
        Assert.Equal(2, snapshot!["messages"]!.AsArray().Count);
        (status, body) = await Chat(Owner, session, stream: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, (await Send(HttpMethod.Get, $"/v1/sessions/{session}", Owner)).Body!["messages"]!.AsArray().Count);

        // Deleted by its owner, the id is free: then it is whoever uses it next.
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Delete, $"/v1/sessions/{session}", Owner)).Status);
        AssertNotFound(await Send(HttpMethod.Get, $"/v1/sessions/{session}", Owner), "GET after DELETE");
        Assert.Equal(HttpStatusCode.OK, (await Chat(Stranger, session)).Status);
        AssertNotFound(await Send(HttpMethod.Get, $"/v1/sessions/{session}", Owner), "GET by the former owner");
    }

    [Fact]
    public async Task Another_key_gets_NOT_FOUND_for_a_session_over_gRPC()
    {
        string session = "owned-grpc-" + Guid.NewGuid().ToString("N");
        var client = new Inference.V1.Inference.InferenceClient(_channel);
        async Task Chat(string key)
        {
            var headers = new Metadata { { "authorization", "Bearer " + key }, { "session-id", session } };
            using var call = client.CreateChatCompletion(new Inference.V1.ChatCompletionRequest
            {
                Model = Model, MaxTokens = 2, Messages = { new Inference.V1.ChatMessage { Role = "user", Content = "remember me" } },
            }, headers);
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        }
        await Chat(Owner);
        var e = await Assert.ThrowsAsync<RpcException>(() => Chat(Stranger));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("session_not_found", e.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Reason);
        // A session made over gRPC is the same session REST reads, with the same owner.
        AssertNotFound(await Send(HttpMethod.Get, $"/v1/sessions/{session}", Stranger), "REST GET by another key");
        Assert.Equal(2, (await Send(HttpMethod.Get, $"/v1/sessions/{session}", Owner)).Body!["messages"]!.AsArray().Count);
        await Chat(Owner);
    }

    [Fact]
    public async Task The_stored_owner_is_the_keys_hash_never_the_key()
    {
        string session = "stored-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await Chat(Owner, session)).Status);
        var grain = cluster.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(session);
        var storage = cluster.Services.GetRequiredKeyedService<IGrainStorage>(ClusterStorage.Name);
        var stored = new GrainState<SessionState>(new SessionState());
        await storage.ReadStateAsync("session", grain.GetGrainId(), stored);
        Assert.Equal(2, stored.State!.Messages.Count);
        Assert.Equal(ApiKey.Create(Owner, RateLimits.None).Hash, stored.State.Owner);
        Assert.Matches("^[0-9a-f]{64}$", stored.State.Owner);
        Assert.DoesNotContain(Owner, JsonSerializer.Serialize(stored.State));
    }
}
