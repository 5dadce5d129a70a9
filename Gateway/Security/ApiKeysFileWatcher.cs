namespace Cluster.Gateway.Security;

/// <summary>
/// Re-reads <c>--api-keys-file</c> every <see cref="SecurityOptions.ApiKeysFilePollInterval"/> and swaps in its keys
/// when its content changed, so keys rotate without a restart. Polling the content rather than watching file events
/// also sees a Kubernetes Secret volume's update (a symlink swapped under the file's name). A file that becomes
/// unreadable or malformed keeps the previous keys, with a warning.
/// </summary>
public sealed partial class ApiKeysFileWatcher(ApiKeys keys, SecurityOptions options, ILogger<ApiKeysFileWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ApiKeysFile is not { } path) return;
        string? last = ReadText(path);
        using var timer = new PeriodicTimer(options.ApiKeysFilePollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            string? text = ReadText(path);
            if (text == last) continue;
            last = text;
            var content = text is null ? new KeysFileContent([], "it cannot be read") : ApiKeysFile.Parse(text, options.DefaultLimits);
            if (content.Error is { } error)
            {
                LogKept(logger, path, error, keys.Count);
                continue;
            }
            keys.UseFileKeys(content.Keys);
            LogReloaded(logger, path, content.Keys.Count);
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "API keys file {Path} changed: {Count} keys from it are in use now")]
    private static partial void LogReloaded(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API keys file {Path} changed but is not usable ({Problem}); the previous {Count} keys stay in use")]
    private static partial void LogKept(ILogger logger, string path, string problem, int count);
}
