using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Cluster.Tests;

/// <summary>
/// The cluster as operators run it: Redis, silo processes and a gateway process, on loopback. Work spreads over
/// replicas, sessions reach models their silo does not run, killing silos costs only the streams they ran (each ends
/// with an error event), sessions survive, and a draining silo costs nothing.
/// </summary>
[Collection(nameof(MultiProcessClusterTests))]
public sealed class MultiProcessClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Replicas_share_the_work_and_sessions_reach_a_model_on_another_silo()
    {
        await using var cluster = await LocalCluster.StartAsync();
        string tiny = await cluster.MakeModelAsync(seed: 1), solo = await cluster.MakeModelAsync(seed: 2);
        await cluster.StartSiloAsync(tiny, "tiny");
        await cluster.StartSiloAsync(tiny, "tiny");
        await cluster.StartSiloAsync(solo, "solo");
        var gateway = await cluster.StartGatewayAsync();
        await WaitForReplicasAsync(gateway, "tiny", 2);
        await WaitForReplicasAsync(gateway, "solo", 1);

        var replicas = (await ReplicasAsync(gateway, "tiny")).ToArray();
        var before = await Task.WhenAll(replicas.Select(r => gateway.MetricAsync("vllm:generation_tokens_total", r)));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => gateway.StreamAsync("tiny", maxTokens: 48)));
        Assert.All(results, r => Assert.Null(r.Error));
        // Reports reach the registry every second.
        await Task.Delay(2500);
        var after = await Task.WhenAll(replicas.Select(r => gateway.MetricAsync("vllm:generation_tokens_total", r)));
        var work = after.Zip(before, (a, b) => a - b).ToArray();
        output.WriteLine($"tokens per replica: {string.Join(", ", work)}");
        Assert.Equal(8 * 48, work.Sum());
        Assert.All(work, w => Assert.True(w >= 48, $"a replica got no real share: {string.Join(", ", work)}"));

        // Sessions activate on any of the three silos; two of them do not run "solo" and fetch its frontend from its replica.
        for (int i = 0; i < 6; i++)
        {
            var (status, body) = await gateway.ChatAsync("solo", "hello", session: $"solo-{i}");
            Assert.True(status == 200, body?.ToJsonString());
            Assert.Equal("solo", body!["model"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Killed_silos_cost_only_their_streams_and_sessions_survive()
    {
        await using var cluster = await LocalCluster.StartAsync();
        string tiny = await cluster.MakeModelAsync(seed: 1), solo = await cluster.MakeModelAsync(seed: 2);
        var first = await cluster.StartSiloAsync(tiny, "tiny");
        var second = await cluster.StartSiloAsync(tiny, "tiny");
        await cluster.StartSiloAsync(solo, "solo");
        var gateway = await cluster.StartGatewayAsync();
        await WaitForReplicasAsync(gateway, "tiny", 2);

        for (int turn = 0; turn < 2; turn++)
        {
            var (status, body) = await gateway.ChatAsync("tiny", $"turn {turn}", session: "keep-me");
            Assert.True(status == 200, body?.ToJsonString());
        }
        // A stored response (Responses API) is a session too.
        using var stored = await gateway.Http.PostAsync("/v1/responses", LocalCluster.Gateway.Json(new { model = "tiny", input = "remember this", max_output_tokens = 4 }));
        var storedBody = JsonNode.Parse(await stored.Content.ReadAsStringAsync())!;
        Assert.True(stored.IsSuccessStatusCode, storedBody.ToJsonString());

        // kill -9 a silo (not the first) while streams run on both replicas.
        var started = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var streams = started.Select(s => gateway.StreamAsync("tiny", maxTokens: 1500, firstToken: s)).ToArray();
        await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        var killedAt = DateTime.UtcNow;
        second.Process.Kill();
        var outcomes = await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(90));
        foreach (var o in outcomes)
            output.WriteLine($"stream: {o.Error ?? "[DONE]"} after {o.Chunks} chunks, {(o.EndedAt - killedAt).TotalSeconds:0.00} s after the kill");
        var failed = outcomes.Where(o => o.Error is not null).ToArray();
        Assert.NotEmpty(failed); // the killed silo ran some of them...
        Assert.All(failed, o => Assert.True(o.EndedAt - killedAt < TimeSpan.FromSeconds(10), $"error event {(o.EndedAt - killedAt).TotalSeconds:0.0} s after the kill\n{gateway.Process.Output}"));
        Assert.All(failed, o => Assert.Contains(o.Error, new[] { "replica_lost" }));

        // New requests go to the live replica.
        await Task.Delay(TimeSpan.FromSeconds(5) - (DateTime.UtcNow - killedAt) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
        for (int i = 0; i < 5; i++)
        {
            var (status, body) = await gateway.ChatAsync("tiny", "after the kill");
            Assert.True(status == 200, body?.ToJsonString());
        }

        // kill -9 the first silo too: "tiny" has no replica left, and says so.
        first.Process.Kill();
        await WaitForReplicasAsync(gateway, "tiny", 0);
        var (unavailable, error) = await gateway.ChatAsync("tiny", "anyone?");
        Assert.Equal(503, unavailable);
        Assert.Equal("model_unavailable", error!["error"]!["code"]!.GetValue<string>());

        // The session lost two of three silos but not its history.
        var session = (await gateway.Http.GetFromJsonAsync<JsonNode>("/v1/sessions/keep-me"))!;
        Assert.Equal(4, session["messages"]!.AsArray().Count);

        // A new replica picks the conversation up where it was.
        await cluster.StartSiloAsync(tiny, "tiny");
        await WaitForReplicasAsync(gateway, "tiny", 1);
        var (resumed, resumedBody) = await gateway.ChatAsync("tiny", "turn 2", session: "keep-me");
        Assert.True(resumed == 200, resumedBody?.ToJsonString());
        session = (await gateway.Http.GetFromJsonAsync<JsonNode>("/v1/sessions/keep-me"))!;
        Assert.Equal(6, session["messages"]!.AsArray().Count);

        // The stored response outlived the silos too, and another gateway continues it.
        var other = await cluster.StartGatewayAsync();
        using var continued = await other.Http.PostAsync("/v1/responses", LocalCluster.Gateway.Json(new
        {
            model = "tiny", input = "and then?", previous_response_id = storedBody["id"]!.GetValue<string>(), max_output_tokens = 4,
        }));
        var continuedBody = JsonNode.Parse(await continued.Content.ReadAsStringAsync())!;
        Assert.True(continued.IsSuccessStatusCode, continuedBody.ToJsonString());
        Assert.True(continuedBody["usage"]!["input_tokens"]!.GetValue<int>() > storedBody["usage"]!["input_tokens"]!.GetValue<int>() + storedBody["usage"]!["output_tokens"]!.GetValue<int>(),
            "the continued prompt holds the stored turn");
    }

    [Fact]
    public async Task A_draining_silo_finishes_its_streams_and_leaves()
    {
        await using var cluster = await LocalCluster.StartAsync();
        string tiny = await cluster.MakeModelAsync(seed: 1);
        var draining = await cluster.StartSiloAsync(tiny, "tiny", "--drain-timeout", "40");
        await cluster.StartSiloAsync(tiny, "tiny");
        var gateway = await cluster.StartGatewayAsync();
        await WaitForReplicasAsync(gateway, "tiny", 2);

        var started = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var streams = started.Select(s => gateway.StreamAsync("tiny", maxTokens: 400, firstToken: s)).ToArray();
        await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        var stopwatch = Stopwatch.StartNew();
        draining.Process.Terminate();

        // While it drains, new requests are served by the other replica.
        for (int i = 0; i < 3; i++)
        {
            var (status, body) = await gateway.ChatAsync("tiny", "during the drain");
            Assert.True(status == 200, body?.ToJsonString());
        }
        var outcomes = await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(90));
        Assert.All(outcomes, o => Assert.True(o.Error is null, $"a stream failed during the drain: {o.Error}\n{gateway.Process.Output}\n{draining.Process.Output}"));
        await draining.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        output.WriteLine($"drained and exited {stopwatch.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        Assert.Equal(0, draining.Process.ExitCode);
        await WaitForReplicasAsync(gateway, "tiny", 1);
    }

    [Fact]
    public async Task Stateless_requests_sharing_a_long_prefix_go_to_the_replica_that_caches_it()
    {
        await using var cluster = await LocalCluster.StartAsync();
        string tiny = await cluster.MakeModelAsync(seed: 1);
        await cluster.StartSiloAsync(tiny, "tiny");
        await cluster.StartSiloAsync(tiny, "tiny");
        var gateway = await cluster.StartGatewayAsync();
        await WaitForReplicasAsync(gateway, "tiny", 2);
        string System(int topic) => string.Join(' ', Enumerable.Range(0, 80).Select(i => $"Policy {topic}.{i}: reply in one line."));

        async Task<(int Prompt, int Cached)> AskAsync(int topic, string question)
        {
            var response = await gateway.Http.PostAsync("/v1/chat/completions", LocalCluster.Gateway.Json(new
            {
                model = "tiny",
                messages = new object[] { new { role = "system", content = System(topic) }, new { role = "user", content = question } },
                max_tokens = 2,
            }));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
            var usage = body["usage"]!;
            return (usage["prompt_tokens"]!.GetValue<int>(), usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        }

        // Six long system prompts, each cached on whichever replica its first request went to.
        for (int topic = 0; topic < 6; topic++) await AskAsync(topic, "warm up");
        // Each session grain routes from its own silo: wait until the replicas' reports carry their landmarks.
        await Task.Delay(3000);
        var asked = new List<(int Prompt, int Cached)>();
        for (int topic = 0; topic < 6; topic++) asked.Add(await AskAsync(topic, "a follow-up question"));
        output.WriteLine(string.Join(", ", asked.Select(a => $"{a.Cached}/{a.Prompt}")));
        // Least-loaded routing between two idle replicas would send each to the wrong one half the time (all six right: 1 in 64).
        Assert.All(asked, a => Assert.True(a.Cached >= a.Prompt * 0.8, $"cached {a.Cached} of {a.Prompt} prompt tokens"));
    }

    private static async Task<IEnumerable<string>> ReplicasAsync(LocalCluster.Gateway gateway, string model) =>
        (await gateway.ModelsAsync()).Where(m => m!["id"]!.GetValue<string>() == model)
            .SelectMany(m => m!["replicas"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));

    /// <summary>Waits until <c>/v1/models</c> lists exactly <paramref name="count"/> replicas of the model (0: not listed).</summary>
    private static async Task WaitForReplicasAsync(LocalCluster.Gateway gateway, string model, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int seen;
        while ((seen = (await ReplicasAsync(gateway, model)).Count()) != count && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(seen == count, $"{model}: {seen} replicas listed, expected {count}");
    }
}
