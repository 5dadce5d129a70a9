using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cluster.Engine.TinyModels;

namespace Cluster.Gateway.Tests;

/// <summary>
/// <c>Cluster.Gateway serve</c> as a real process on free loopback ports, serving a freshly generated tiny model, its
/// console output kept: for what only the process as operators run it shows (its logs).
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _model;

    private ServeProcess(Process process, string model, int port, int grpcPort)
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
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts <c>serve</c> with <paramref name="flags"/> and waits until <c>/health</c> answers 200.</summary>
    public static async Task<ServeProcess> StartAsync(string servedName, params string[] flags)
    {
        string model = Path.Combine(Path.GetTempPath(), "cluster-tests-serve-" + Guid.NewGuid().ToString("N"));
        TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = model, Architecture = TinyModelArchitecture.Qwen2, Seed = 5 });
        int port = FreePort(), grpcPort = FreePort();
        var info = new ProcessStartInfo(Binary()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "serve", "--model", model, "--served-model-name", servedName, "--port", $"{port}", "--grpc-port", $"{grpcPort}", "--threads", "1" }.Concat(flags))
            info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info };
        var serve = new ServeProcess(process, model, port, grpcPort);
        process.OutputDataReceived += (_, e) => serve.Append(e.Data);
        process.ErrorDataReceived += (_, e) => serve.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>The built gateway executable (the test project builds it), in the configuration the tests were built in.</summary>
    private static string Binary()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = dir.Parent!.Name; // bin/{configuration}/net10.0/
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) dir = dir.Parent;
        string path = Path.Combine(dir!.FullName, "Gateway", "bin", configuration, "net10.0", "Cluster.Gateway");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the process (SIGTERM, so that buffered log lines are flushed) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        _process.Dispose();
        try { Directory.Delete(_model, recursive: true); } catch (IOException) { }
    }
}
