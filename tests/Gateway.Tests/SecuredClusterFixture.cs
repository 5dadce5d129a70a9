using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Grains.Hosting;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A real co-hosted cluster with API keys on: two keys given directly (<see cref="KeyA"/>, <see cref="KeyB"/>, no limits)
/// and a keys file re-read every 200 ms, holding one key per rate-limit test (a key's budget is shared by every request
/// made with it, so each test spends its own) and whatever a rotation test writes. CORS allows <see cref="Origin"/>;
/// the Orleans Dashboard is on, behind the keys.
/// </summary>
public sealed class SecuredClusterFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-secured";
    public const string KeyA = "sk-test-alpha-0123456789";
    public const string KeyB = "sk-test-bravo-9876543210";
    public const string Origin = "https://app.example";

    /// <summary>The keys file's fixed lines: key, then its settings.</summary>
    public static readonly IReadOnlyDictionary<string, string> LimitedKeys = new Dictionary<string, string>
    {
        ["sk-limit-rest-rpm"] = "name=rest-rpm rpm=2",
        ["sk-limit-grpc-rpm"] = "name=grpc-rpm rpm=1",
        ["sk-limit-tpm"] = "name=tpm tpm=30",
        ["sk-limit-tpm-stream"] = "name=tpm-stream tpm=30",
        ["sk-limit-tpm-grpc"] = "name=tpm-grpc tpm=30",
    };

    private TestCluster? _cluster;

    public string KeysFile { get; } = Path.Combine(Path.GetTempPath(), "cluster-tests-keys-" + Guid.NewGuid().ToString("N") + ".txt");

    public HttpClient Http => _cluster!.Http;

    public Uri BaseAddress => _cluster!.BaseAddress;

    public Uri GrpcAddress => _cluster!.GrpcAddress;

    public IServiceProvider Services => _cluster!.Services;

    /// <summary>Rewrites the keys file: the fixed lines plus <paramref name="extraLines"/>.</summary>
    public Task WriteKeysFileAsync(params string[] extraLines) =>
        File.WriteAllLinesAsync(KeysFile, ["# keys of the security tests", .. LimitedKeys.Select(k => $"{k.Key}  {k.Value}"), .. extraLines]);

    public async Task InitializeAsync()
    {
        await WriteKeysFileAsync();
        _cluster = await TestCluster.StartAsync(
            new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2, Seed = 11 },
            new ServedModelOptions { ModelPath = "", ServedModelName = ModelName, MaxSequences = 8, MaxModelLength = 512, ToolCallParser = "auto" },
            new GatewayOptions
            {
                Port = 0,
                Dashboard = true,
                Security = new SecurityOptions
                {
                    ApiKeys = [KeyA, KeyB],
                    ApiKeysFile = KeysFile,
                    ApiKeysFilePollInterval = TimeSpan.FromMilliseconds(200),
                    Cors = new CorsSettings([Origin], ["GET", "POST", "DELETE"], ["authorization", "content-type", "x-session-id"]),
                },
            });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        File.Delete(KeysFile);
    }
}

[CollectionDefinition(nameof(SecuredClusterCollection))]
public sealed class SecuredClusterCollection : ICollectionFixture<SecuredClusterFixture>;
