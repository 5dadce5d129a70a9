using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A stateful session's turn tokenizes only what its previous prompt did not hold: the session grain counts the
/// prompt tokens it reused on <see cref="SessionMetrics.PromptTokensReusedName"/>, read here from this cluster's meters.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class SessionPromptReuseEndToEndTests(ClusterFixture cluster)
{
    private async Task<int> PromptTokens(string session, string content)
    {
        var body = new JsonObject
        {
            ["model"] = ClusterFixture.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }),
            ["max_tokens"] = 6,
            ["ignore_eos"] = true,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Session-Id", session);
        using var response = await cluster.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["usage"]!["prompt_tokens"]!.GetValue<int>();
    }

    [Fact]
    public async Task Each_later_turn_reuses_the_previous_prompts_tokens_and_a_stateless_request_reuses_none()
    {
        // Other collections run their own clusters: only this cluster's meter factory's instruments are read.
        var meters = cluster.Services.GetRequiredService<IMeterFactory>();
        long reused = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == SessionMetrics.PromptTokensReusedName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref reused, value));
        listener.Start();

        string session = "reuse-" + Guid.NewGuid().ToString("N");
        string paragraph = string.Join(" ", Enumerable.Range(0, 30).Select(i => $"fact {i}: it rains in Brest"));
        int previous = await PromptTokens(session, paragraph);
        Assert.Equal(0, Interlocked.Read(ref reused));
        foreach (string next in new[] { "And in Paris?", "And in Lyon?", "Summarise." })
        {
            long before = Interlocked.Read(ref reused);
            int prompt = await PromptTokens(session, next);
            long turnReused = Interlocked.Read(ref reused) - before;
            // The previous prompt is this one's beginning; only its end (the generation prompt's markup, before the
            // assistant's reply) may tokenize differently.
            Assert.True(turnReused >= previous - 8, $"a turn of {prompt} prompt tokens reused {turnReused} of the previous prompt's {previous}");
            Assert.True(turnReused < prompt, $"a turn of {prompt} prompt tokens reused {turnReused}: its new message must have been tokenized");
            previous = prompt;
        }

        // A stateless request remembers nothing, so it reuses nothing.
        long beforeStateless = Interlocked.Read(ref reused);
        using var stateless = await cluster.Http.PostAsync("/v1/chat/completions", new StringContent(
            new JsonObject { ["model"] = ClusterFixture.ModelName, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = paragraph }), ["max_tokens"] = 2 }.ToJsonString(),
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, stateless.StatusCode);
        Assert.Equal(beforeStateless, Interlocked.Read(ref reused));
    }
}
