using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Inference.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using OpenAI;
using OpenAI.Chat;
using StatusCode = Grpc.Core.StatusCode;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The auth table on a real cluster with keys: every REST route and gRPC method without a key, with a wrong one and with
/// a right one; /health, /metrics and gRPC health open; keys rotating through the keys file.
/// </summary>
[Collection(nameof(SecuredClusterCollection))]
public sealed class ApiKeyTests(SecuredClusterFixture cluster) : IDisposable
{
    private const string Model = SecuredClusterFixture.ModelName;

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(cluster.GrpcAddress);

    public void Dispose() => _channel.Dispose();

    /// <summary>Every REST route, with a valid request and what it answers to a right key.</summary>
    public static TheoryData<string, string, string?, int> Routes => new()
    {
        { "POST", "/v1/chat/completions", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"hi"}],"max_tokens":1}""", 200 },
        { "POST", "/v1/completions", $$"""{"model":"{{Model}}","prompt":"hi","max_tokens":1}""", 200 },
        { "POST", "/v1/tokenize", $$"""{"model":"{{Model}}","prompt":"hi"}""", 200 },
        { "POST", "/tokenize", $$"""{"model":"{{Model}}","prompt":"hi"}""", 200 },
        { "POST", "/v1/detokenize", $$"""{"model":"{{Model}}","tokens":[1,2]}""", 200 },
        { "POST", "/detokenize", $$"""{"model":"{{Model}}","tokens":[1,2]}""", 200 },
        { "GET", "/v1/models", null, 200 },
        { "GET", $"/v1/models/{Model}", null, 200 },
        { "GET", "/v1/sessions/never-created", null, 404 },
        { "DELETE", "/v1/sessions/never-created", null, 404 },
        { "POST", "/v1/responses", $$"""{"model":"{{Model}}","input":"hi","max_output_tokens":1}""", 200 },
        { "GET", "/v1/responses/resp_never", null, 404 },
        { "GET", "/v1/responses/resp_never/input_items", null, 404 },
        { "DELETE", "/v1/responses/resp_never", null, 404 },
        { "POST", "/v1/assistants", "{}", 404 },
        // The Orleans Dashboard (on in this fixture) shows session ids and logs: it is behind the keys too.
        { "GET", "/dashboard/", null, 200 },
    };

    private async Task<(HttpStatusCode Status, HttpResponseMessage Response, string Body)> Send(string method, string path, string? body, string? authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }

    private static void AssertInvalidKey(HttpStatusCode status, HttpResponseMessage response, string body)
    {
        Assert.True(status == HttpStatusCode.Unauthorized, $"{(int)status}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("invalid_api_key", error["code"]!.GetValue<string>());
        Assert.Null(error["param"]);
        Assert.True(error.AsObject().ContainsKey("param"));
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_REST_route_needs_a_right_key(string method, string path, string? body, int withKey)
    {
        var (status, response, text) = await Send(method, path, body, null);
        AssertInvalidKey(status, response, text);
        Assert.Contains("didn't provide an API key", text);
        foreach (string wrong in new[] { "Bearer sk-not-a-key", "Bearer " + SecuredClusterFixture.KeyA.ToUpperInvariant(), "Basic " + SecuredClusterFixture.KeyA, "Bearer " })
        {
            (status, response, text) = await Send(method, path, body, wrong);
            AssertInvalidKey(status, response, text);
        }
        // Either key of the fixture, and the scheme in any case.
        foreach (string right in new[] { "Bearer " + SecuredClusterFixture.KeyA, "bearer " + SecuredClusterFixture.KeyB })
        {
            (status, _, text) = await Send(method, path, body, right);
            Assert.True((int)status == withKey, $"{method} {path} with a right key: {(int)status} {text}");
        }
    }

    [Fact]
    public async Task Health_and_metrics_stay_open()
    {
        var (status, _, text) = await Send("GET", "/health", null, null);
        Assert.True(status == HttpStatusCode.OK, text);
        (status, _, text) = await Send("GET", "/metrics", null, null);
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Contains("vllm:num_requests_running", text);
        // A wrong key does not close them either.
        (status, _, _) = await Send("GET", "/health", null, "Bearer wrong");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task The_OpenAI_SDK_gets_401_for_a_wrong_key_and_answers_with_a_right_one()
    {
        ChatClient Client(string key) => new(Model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(cluster.BaseAddress, "/v1") });
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2 };
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client("sk-wrong").CompleteChatAsync([new UserChatMessage("hi")], options));
        Assert.Equal(401, e.Status);
        Assert.Contains("invalid_api_key", e.GetRawResponse()!.Content.ToString());
        ChatCompletion completion = await Client(SecuredClusterFixture.KeyA).CompleteChatAsync([new UserChatMessage("hi")], options);
        Assert.Equal(Model, completion.Model);
    }

    private static Metadata Bearer(string? key) => key is null ? [] : new Metadata { { "authorization", "Bearer " + key } };

    /// <summary>Every RPC of the Inference service and reflection, as one call each that succeeds with a right key.</summary>
    private Dictionary<string, Func<Metadata, Task>> Rpcs()
    {
        var client = new Inference.V1.Inference.InferenceClient(_channel);
        async Task Drain<T>(AsyncServerStreamingCall<T> call)
        {
            using (call) await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        }
        return new()
        {
            ["ListModels"] = h => client.ListModelsAsync(new ListModelsRequest(), h).ResponseAsync,
            ["GetModel"] = h => client.GetModelAsync(new GetModelRequest { Id = Model }, h).ResponseAsync,
            ["CreateChatCompletion"] = h => Drain(client.CreateChatCompletion(new Inference.V1.ChatCompletionRequest
            {
                Model = Model, MaxTokens = 1, Messages = { new Inference.V1.ChatMessage { Role = "user", Content = "hi" } },
            }, h)),
            ["CreateCompletion"] = h => Drain(client.CreateCompletion(new CompletionRequest { Model = Model, Prompt = new Prompt { Text = "hi" }, MaxTokens = 1 }, h)),
            ["Generate"] = h => Drain(client.Generate(new GenerateRequest { Model = Model, PromptTokenIds = { 1, 2, 3 }, MaxTokens = 1 }, h)),
            ["Tokenize"] = h => client.TokenizeAsync(new TokenizeRequest { Model = Model, Prompt = "hi" }, h).ResponseAsync,
            ["Detokenize"] = h => client.DetokenizeAsync(new DetokenizeRequest { Model = Model, Tokens = { 1, 2 } }, h).ResponseAsync,
            ["ServerReflectionInfo"] = async h =>
            {
                using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo(h);
                await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
                await call.RequestStream.CompleteAsync();
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            },
        };
    }

    /// <summary>
    /// The error a call without a right key ends with. The server rejects on the headers, so a call that
    /// streams requests can lose a race: its request body write is reset by the rejection and Grpc.Net.Client
    /// reports that write as Cancelled before it reads the trailers. The call failed either way; asking again
    /// until the trailers win keeps the test about the status the server sent, not about that race.
    /// </summary>
    private static async Task<RpcException> Rejection(string name, Func<Metadata, Task> rpc, Metadata headers)
    {
        for (int attempt = 1; ; attempt++)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => rpc(headers));
            if (e.StatusCode != StatusCode.Cancelled || name != "ServerReflectionInfo" || attempt == 5) return e;
        }
    }

    [Fact]
    public async Task Every_gRPC_method_but_health_needs_a_right_key()
    {
        foreach (var (name, rpc) in Rpcs())
        {
            foreach (string? key in new[] { null, "sk-not-a-key" })
            {
                var e = await Rejection(name, rpc, Bearer(key));
                Assert.True(e.StatusCode == StatusCode.Unauthenticated, $"{name} with key {key ?? "(none)"}: {e.Status}");
                Assert.Equal("invalid_api_key", e.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
            }
            await rpc(Bearer(SecuredClusterFixture.KeyB));
        }
        // Probes send no credentials: health answers anyone.
        var health = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    private async Task<HttpStatusCode> ModelsWith(string key)
    {
        var (status, _, _) = await Send("GET", "/v1/models", null, "Bearer " + key);
        return status;
    }

    private async Task WaitFor(string key, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        while ((status = await ModelsWith(key)) != expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Keys_rotate_through_the_keys_file_without_a_restart()
    {
        string oldKey = "sk-rotate-old-" + Guid.NewGuid().ToString("N"), newKey = "sk-rotate-new-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Unauthorized, await ModelsWith(oldKey));
        try
        {
            await cluster.WriteKeysFileAsync($"{oldKey} name=rotating");
            await WaitFor(oldKey, HttpStatusCode.OK);

            // Both during the overlap, then only the new one.
            await cluster.WriteKeysFileAsync($"{oldKey} name=rotating", $"{newKey}\tname=rotating-next");
            await WaitFor(newKey, HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.OK, await ModelsWith(oldKey));
            await cluster.WriteKeysFileAsync($"{newKey} name=rotating-next");
            await WaitFor(oldKey, HttpStatusCode.Unauthorized);
            Assert.Equal(HttpStatusCode.OK, await ModelsWith(newKey));

            // A malformed file is not half-applied: the keys in use stay.
            await cluster.WriteKeysFileAsync($"{oldKey} rpm=lots");
            await Task.Delay(1000);
            Assert.Equal(HttpStatusCode.OK, await ModelsWith(newKey));
            Assert.Equal(HttpStatusCode.Unauthorized, await ModelsWith(oldKey));
            // The keys given on the command line never depended on the file.
            Assert.Equal(HttpStatusCode.OK, await ModelsWith(SecuredClusterFixture.KeyA));
        }
        finally
        {
            await cluster.WriteKeysFileAsync();
        }
        await WaitFor(newKey, HttpStatusCode.Unauthorized);
    }
}
