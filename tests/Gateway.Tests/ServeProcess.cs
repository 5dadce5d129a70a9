using Cluster.Engine.TinyModels;
using Cluster.Tests;

namespace Cluster.Gateway.Tests;

/// <summary>
/// <c>Cluster.Gateway serve</c> as a real process on free loopback ports (the multi-process tests' harness,
/// <see cref="ClusterProcess"/>), serving a freshly generated tiny model, its console output kept: for what only the
/// process as operators run it shows (its logs).
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly ClusterProcess _process;
    private readonly string _model;

    private ServeProcess(ClusterProcess process, string model, int port, int grpcPort)
    {
        _process = process;
        _model = model;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public Uri GrpcAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts <c>serve</c> with <paramref name="flags"/> and waits until <c>/health</c> answers 200.</summary>
    public static async Task<ServeProcess> StartAsync(string servedName, params string[] flags)
    {
        string model = Path.Combine(Path.GetTempPath(), "cluster-tests-serve-" + Guid.NewGuid().ToString("N"));
        TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = model, Architecture = TinyModelArchitecture.Qwen2, Seed = 5 });
        int port = ClusterProcess.FreePort(), grpcPort = ClusterProcess.FreePort();
        var process = ClusterProcess.Start("serve", ClusterProcess.Executable("Gateway", "Cluster.Gateway"),
            ["serve", "--model", model, "--served-model-name", servedName, "--port", $"{port}", "--grpc-port", $"{grpcPort}", "--threads", "1", .. flags]);
        var serve = new ServeProcess(process, model, port, grpcPort);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"serve exited ({process.ExitCode}):\n{serve.Output}");
            try
            {
                using var health = await serve.Http.GetAsync("/health");
                if (health.IsSuccessStatusCode) return serve;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("serve did not become healthy:\n" + serve.Output);
            await Task.Delay(200);
        }
    }

    /// <summary>Stops the process (SIGTERM, so that buffered log lines are flushed) and waits for it.</summary>
    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await _process.DisposeAsync();
        try { Directory.Delete(_model, recursive: true); } catch (IOException) { }
    }
}
