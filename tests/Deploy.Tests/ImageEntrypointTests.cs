namespace Cluster.Deploy.Tests;

/// <summary>
/// The published silo and gateway, started as the images start them (their ENTRYPOINTs, with /app mapped to the
/// publish folders and `docker run` style arguments), serve a chat completion through real HTTP over a Redis cluster;
/// the images' HEALTHCHECK commands pass against them.
/// </summary>
[Collection(nameof(PublishedBinariesCollection))]
public sealed class ImageEntrypointTests(PublishedBinaries binaries)
{
    [Fact]
    public async Task Published_silo_and_gateway_started_like_the_images_serve_a_chat_completion()
    {
        var siloImage = Dockerfile.Load("silo.Dockerfile");
        var gatewayImage = Dockerfile.Load("gateway.Dockerfile");
        await using var redis = await LocalRedis.StartAsync();
        int health = Network.FreePort(), siloPort = Network.FreePort(), orleansGateway = Network.FreePort(), http = Network.FreePort();

        var siloCommand = PublishedBinaries.Entrypoint(siloImage, binaries.SiloFolder);
        await using var silo = ChildProcess.Start("silo", siloCommand[0],
        [
            .. siloCommand.Skip(1),
            "--model", binaries.ModelFolder, "--served-model-name", "tiny", "--threads", "1",
            "--cluster", redis.Url, "--host", "127.0.0.1", "--health-port", health.ToString(),
            "--silo-port", siloPort.ToString(), "--gateway-port", orleansGateway.ToString(), "--drain-timeout", "5",
        ], PublishedBinaries.BaseEnvironment());
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{health}/health", TimeSpan.FromSeconds(120), silo);
        await AssertHealthCheckPassesAsync(siloImage, 8080, health);

        var gatewayCommand = PublishedBinaries.Entrypoint(gatewayImage, binaries.GatewayFolder);
        await using var gateway = ChildProcess.Start("gateway", gatewayCommand[0],
            [.. gatewayCommand.Skip(1), "--cluster", redis.Url, "--host", "127.0.0.1", "--port", http.ToString()],
            PublishedBinaries.BaseEnvironment());
        await Network.WaitForOkAsync(client, $"http://127.0.0.1:{http}/health", TimeSpan.FromSeconds(60), gateway, silo);
        await AssertHealthCheckPassesAsync(gatewayImage, 8000, http);

        await PublishedBinaries.ChatAsync(client, $"http://127.0.0.1:{http}", "tiny", silo, gateway);
    }

    /// <summary>Runs the image's HEALTHCHECK command (shell form: /bin/sh -c) with its port mapped to the process's.</summary>
    private static async Task AssertHealthCheckPassesAsync(Dockerfile image, int imagePort, int port)
    {
        string command = image.HealthCheckCommand;
        Assert.Contains($"/{imagePort}", command);
        await using var check = ChildProcess.Start("healthcheck", "/bin/sh", ["-c", command.Replace($"/127.0.0.1/{imagePort}", $"/127.0.0.1/{port}", StringComparison.Ordinal)], new Dictionary<string, string?>());
        Assert.True(await check.WaitForExitAsync(TimeSpan.FromSeconds(10)) == 0, $"{image.Name} HEALTHCHECK failed: {check.Output}");
    }
}
