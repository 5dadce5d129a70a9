using Cluster.Contracts.Security;
using Cluster.Gateway.Cli;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Tests;

/// <summary>The access and logging flags of <c>serve</c> and <c>gateway</c>, the keys file's format, and OpenAI's duration notation.</summary>
public sealed class GatewayFlagsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-flags-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static GatewayOptions Read(Dictionary<string, string>? environment, params string[] args) =>
        GatewayFlags.Read(CommandLine.Parse(args, GatewayCommand.Options, GatewayFlags.Switches), name => environment?.GetValueOrDefault(name));

    [Fact]
    public void Keys_come_from_repeated_flags_else_the_environment()
    {
        Assert.False(Read(null).Security.RequiresKeys);
        Assert.Equal(["a", "b"], Read(null, "--api-key", "a", "--api-key=b").Security.ApiKeys);
        Assert.Equal(["from-vllm"], Read(new() { ["VLLM_API_KEY"] = "from-vllm" }).Security.ApiKeys);
        Assert.Equal(["ours"], Read(new() { ["VLLM_API_KEY"] = "from-vllm", ["CLUSTER_API_KEY"] = "ours" }).Security.ApiKeys);
        // The command line wins, as in vLLM.
        Assert.Equal(["flag"], Read(new() { ["CLUSTER_API_KEY"] = "ours" }, "--api-key", "flag").Security.ApiKeys);
    }

    [Fact]
    public void Both_commands_take_the_flags()
    {
        var serve = CommandLine.Parse(["--api-key", "k", "--protect-metrics", "--log-requests", "--allowed-origins", "*"], [.. ServeCommand.Options, "--config"], GatewayFlags.Switches);
        var options = GatewayFlags.Read(serve, _ => null);
        Assert.True(options.Security.ProtectMetrics);
        Assert.True(options.LogRequests);
        Assert.True(Read(null, "--enable-log-requests").LogRequests);
        Assert.Equal(LogFormat.Json, Read(null, "--log-format", "json").LogFormat);
        Assert.Throws<ArgumentException>(() => Read(null, "--log-format", "xml"));
    }

    [Fact]
    public void Limits_need_keys_and_positive_numbers()
    {
        var options = Read(null, "--api-key", "k", "--rate-limit-rpm", "60", "--rate-limit-tpm", "1000");
        Assert.Equal(new RateLimits(60, 1000), options.Security.DefaultLimits);
        Assert.Throws<ArgumentException>(() => Read(null, "--rate-limit-rpm", "60"));
        Assert.Throws<ArgumentException>(() => Read(null, "--protect-metrics"));
        Assert.Throws<ArgumentException>(() => Read(null, "--api-key", "k", "--rate-limit-tpm", "0"));
        Assert.Throws<ArgumentException>(() => Read(null, "--api-key", "k", "--rate-limit-rpm", "-3"));
    }

    [Fact]
    public void Cors_is_off_until_origins_are_given_in_vLLMs_JSON_form_or_comma_separated()
    {
        Assert.Null(Read(null).Security.Cors);
        var json = Read(null, "--allowed-origins", """["https://a.example", "https://b.example"]""", "--allowed-methods", """["GET","POST"]""").Security.Cors!;
        Assert.Equal(["https://a.example", "https://b.example"], json.Origins);
        Assert.Equal(["GET", "POST"], json.Methods);
        Assert.Equal(["*"], json.Headers);
        var commas = Read(null, "--allowed-origins", "https://a.example, https://b.example", "--allowed-headers", "authorization,content-type").Security.Cors!;
        Assert.Equal(json.Origins, commas.Origins);
        Assert.Equal(["authorization", "content-type"], commas.Headers);
        Assert.Throws<ArgumentException>(() => Read(null, "--allowed-methods", "GET"));
        Assert.Throws<ArgumentException>(() => Read(null, "--allowed-origins", "[\"unterminated"));
        Assert.Throws<ArgumentException>(() => Read(null, "--allowed-origins", "*", "--allow-credentials"));
        Assert.True(Read(null, "--allowed-origins", "https://a.example", "--allow-credentials").Security.Cors!.AllowCredentials);
    }

    [Fact]
    public void The_keys_file_gives_each_key_its_name_and_limits()
    {
        var content = ApiKeysFile.Parse("""
            # team keys
            sk-a   name=team-a rpm=60 tpm=1000
            sk-b	rpm=0    # no request limit, whatever the flag says

            sk-c
            """, new RateLimits(10, null));
        Assert.Null(content.Error);
        Assert.Equal(3, content.Keys.Count);
        Assert.Equal(("team-a", new RateLimits(60, 1000)), (content.Keys[0].Name, content.Keys[0].Limits));
        Assert.Equal(new RateLimits(null, null), content.Keys[1].Limits);
        Assert.Equal(new RateLimits(10, null), content.Keys[2].Limits);
        Assert.Equal(ApiKey.Create("sk-c", RateLimits.None).Hash, content.Keys[2].Hash);
        Assert.StartsWith("key-", content.Keys[2].Name);
    }

    [Fact]
    public void A_bad_keys_file_names_the_line_and_never_the_key()
    {
        foreach (var (text, line) in new[] { ("sk-secret-1 rpm=many", 1), ("sk-secret-1\nsk-secret-2 colour=red", 2), ("sk-secret-1\nsk-secret-1", 2) })
        {
            var content = ApiKeysFile.Parse(text, RateLimits.None);
            Assert.StartsWith($"line {line}:", content.Error);
            Assert.DoesNotContain("sk-secret", content.Error);
        }
        string path = Path.Combine(_directory, "keys.txt");
        File.WriteAllText(path, "sk-secret-1 rpm=x");
        var e = Assert.Throws<ArgumentException>(() => Read(null, "--api-keys-file", path));
        Assert.DoesNotContain("sk-secret", e.Message);
        Assert.Throws<ArgumentException>(() => Read(null, "--api-keys-file", Path.Combine(_directory, "missing.txt")));
        // An empty file is a valid file that admits nobody: keys are required all the same.
        File.WriteAllText(path, "# nobody yet\n");
        Assert.True(Read(null, "--api-keys-file", path).Security.RequiresKeys);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(17, "17ms")]
    [InlineData(1000, "1s")]
    [InlineData(7660, "7.66s")]
    [InlineData(360_000, "6m0s")]
    [InlineData(119_999.7, "2m0s")]
    [InlineData(3_723_500, "1h2m3.5s")]
    public void Durations_are_written_as_OpenAIs_headers_write_them(double milliseconds, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.Duration(TimeSpan.FromMilliseconds(milliseconds)));
}
