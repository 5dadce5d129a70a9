using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cluster.Deploy.Tests;

/// <summary>A child process whose output is kept for failure messages; disposing kills it (and its children).</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <param name="environment">Set (a value) or removed (null) on top of a copy of this process's environment.</param>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var (key, value) in environment)
            if (value is null) start.Environment.Remove(key); else start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._output) child._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._output) child._output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends SIGTERM, as the kubelet does when a pod stops.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])!;
        kill.WaitForExit();
    }

    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}

public static class Network
{
    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200; fails with the processes' output when it does not in time.</summary>
    public static async Task WaitForOkAsync(HttpClient http, string url, TimeSpan timeout, params ChildProcess[] processes)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            foreach (var p in processes)
                if (p.HasExited) throw new Xunit.Sdk.XunitException($"{p.Name} exited while waiting for {url}:\n{p.Output}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(250);
        }
        throw new Xunit.Sdk.XunitException($"{url} not 200 after {timeout} (last: {last})\n" + string.Join("\n", processes.Select(p => $"--- {p.Name}:\n{p.Output}")));
    }

    public static async Task WaitForTcpAsync(int port, TimeSpan timeout, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new Xunit.Sdk.XunitException($"{process.Name} exited:\n{process.Output}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new Xunit.Sdk.XunitException($"{process.Name} does not listen on {port}:\n{process.Output}");
    }
}

/// <summary><c>redis-server</c> on a free loopback port, without persistence.</summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private LocalRedis(ChildProcess process, int port) { _process = process; Port = port; }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<LocalRedis> StartAsync()
    {
        const string server = "/usr/bin/redis-server";
        string file = File.Exists(server) ? server : "redis-server";
        int port = Network.FreePort();
        ChildProcess process;
        try
        {
            process = ChildProcess.Start("redis", file, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], new Dictionary<string, string?>());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"redis-server is needed (apt-get install redis-server): {e.Message}");
        }
        await Network.WaitForTcpAsync(port, TimeSpan.FromSeconds(20), process);
        return new LocalRedis(process, port);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
