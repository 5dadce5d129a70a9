using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Tests;

/// <summary>
/// A cluster of real processes on loopback: a Redis server, silo processes and gateway processes started from the
/// built binaries exactly as an operator starts them, every port picked free.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<ClusterProcess> _processes = [];
    private readonly List<string> _folders = [];

    private LocalCluster(ClusterProcess redis, int redisPort)
    {
        _processes.Add(redis);
        RedisUri = $"redis://127.0.0.1:{redisPort}";
    }

    public string RedisUri { get; }

    /// <summary>Each cluster its own id, so clusters of different tests never meet even in one Redis.</summary>
    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<LocalCluster> StartAsync()
    {
        string redisServer = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server"
            : throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server; .ci/run does it).");
        int port = ClusterProcess.FreePort();
        var redis = ClusterProcess.Start("redis", redisServer, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
        return new LocalCluster(redis, port);
    }

    /// <summary>Generates a tiny random-weight model (Qwen2 architecture, real tokenizer and chat template); <paramref name="sizes"/> are make-tiny-model's size flags.</summary>
    public async Task<string> MakeModelAsync(int seed = 1, params string[] sizes)
    {
        string folder = Path.Combine(Path.GetTempPath(), "cluster-model-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        var make = ClusterProcess.Start("make-tiny-model", ClusterProcess.Executable("Gateway", "Cluster.Gateway"), ["make-tiny-model", "--out", folder, "--seed", seed.ToString(), .. sizes]);
        await make.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        if (make.ExitCode != 0) throw new InvalidOperationException("make-tiny-model failed: " + make.Output);
        return folder;
    }

    /// <summary>Starts a silo serving <paramref name="model"/> as <paramref name="name"/> and waits until it is ready.</summary>
    public async Task<Silo> StartSiloAsync(string model, string name, params string[] extra)
    {
        int health = ClusterProcess.FreePort();
        var process = ClusterProcess.Start($"silo:{name}", ClusterProcess.Executable("Silo", "Cluster.Silo"),
        [
            "--model", model, "--served-model-name", name, "--tool-call-parser", "hermes", "--cluster", RedisUri, "--cluster-id", ClusterId,
            "--threads", "1", "--max-num-seqs", "8", "--health-port", health.ToString(), .. extra,
        ]);
        _processes.Add(process);
        var silo = new Silo(process, new Uri($"http://127.0.0.1:{health}"));
        await WaitHealthyAsync(silo.Health, process);
        return silo;
    }

    /// <summary>Starts a gateway process (with <paramref name="extra"/> flags) and waits until it sees a served model.</summary>
    public async Task<Gateway> StartGatewayAsync(params string[] extra)
    {
        int port = ClusterProcess.FreePort();
        var process = ClusterProcess.Start("gateway", ClusterProcess.Executable("Gateway", "Cluster.Gateway"),
            ["gateway", "--cluster", RedisUri, "--cluster-id", ClusterId, "--port", port.ToString(), "--grpc-port", ClusterProcess.FreePort().ToString(), .. extra]);
        _processes.Add(process);
        var gateway = new Gateway(process, new Uri($"http://127.0.0.1:{port}"));
        await WaitHealthyAsync(gateway.BaseAddress, process);
        return gateway;
    }

    private static async Task WaitHealthyAsync(Uri baseAddress, ClusterProcess process)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited ({process.ExitCode}):\n{process.Output}");
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{process.Name} did not become healthy:\n{process.Output}");
    }

    /// <summary>The built executable of a project, in the configuration these tests were built in.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(_processes)) await p.DisposeAsync();
        foreach (var f in _folders)
        {
            try { Directory.Delete(f, recursive: true); } catch (IOException) { }
        }
    }

    public sealed record Silo(ClusterProcess Process, Uri Health);

    /// <summary>A gateway process and an HTTP client for it.</summary>
    public sealed class Gateway(ClusterProcess process, Uri baseAddress)
    {
        public ClusterProcess Process { get; } = process;

        public Uri BaseAddress { get; } = baseAddress;

        public HttpClient Http { get; } = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

        public static StringContent Json(object body) => new(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

        public async Task<(int Status, JsonNode? Body)> ChatAsync(string model, string content, int maxTokens = 8, string? session = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json(new { model, messages = new[] { new { role = "user", content } }, max_tokens = maxTokens }),
            };
            if (session is not null) request.Headers.Add("X-Session-Id", session);
            using var response = await Http.SendAsync(request);
            return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        }

        /// <summary>Streams a long generation; returns how it ended (DONE or an error event) and when.</summary>
        public async Task<StreamOutcome> StreamAsync(string model, int maxTokens, TaskCompletionSource? firstToken = null, string? session = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json(new { model, messages = new[] { new { role = "user", content = "tell me a long story" } }, max_tokens = maxTokens, ignore_eos = true, stream = true }),
            };
            if (session is not null) request.Headers.Add("X-Session-Id", session);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode) return new StreamOutcome((int)response.StatusCode, 0, null, DateTime.UtcNow);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            int chunks = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                string data = line[6..];
                if (data == "[DONE]") return new StreamOutcome(200, chunks, null, DateTime.UtcNow);
                var node = JsonNode.Parse(data)!;
                if (node["error"] is { } error) return new StreamOutcome(200, chunks, error["code"]?.GetValue<string>() ?? "error", DateTime.UtcNow);
                if (++chunks == 2) firstToken?.TrySetResult();
            }
            return new StreamOutcome(200, chunks, "no [DONE]", DateTime.UtcNow);
        }

        public async Task<double> MetricAsync(string name, string replica)
        {
            string text = await Http.GetStringAsync("/metrics");
            return text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"replica=\"{replica}\"", StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();
        }

        public async Task<JsonArray> ModelsAsync() => (JsonArray)(await Http.GetFromJsonAsync<JsonNode>("/v1/models"))!["data"]!;
    }

    /// <summary>How a stream ended: the HTTP status, chunks seen, the error code of a final error event (null after [DONE]), and when.</summary>
    public sealed record StreamOutcome(int Status, int Chunks, string? Error, DateTime EndedAt);
}
