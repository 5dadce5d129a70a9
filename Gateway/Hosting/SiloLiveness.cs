using System.Collections.Concurrent;
using Orleans.Messaging;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// Tells the gateway when a silo has left the cluster, so a stream whose session ran there ends with an error event
/// within a second or two of membership declaring it dead, not after a response timeout. An Orleans client has no
/// membership view of its own; the cluster's gateway list (every silo is an Orleans gateway, listed with the same
/// IP and generation as its silo address) is read every half second. A gateway co-hosted with a silo
/// (<c>serve</c>) watches nothing: its streams fail with its own silo.
/// </summary>
public sealed class SiloLiveness(IServiceProvider services, ILogger<SiloLiveness> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<(string Host, int Generation), CancellationTokenSource> _watches = new();
    private volatile HashSet<(string Host, int Generation)>? _live;
    private volatile CancellationTokenSource _departure = new();

    /// <summary>
    /// Cancelled when any silo leaves (then replaced). A request routed through the departed silo's Orleans gateway
    /// is lost with it, whichever silo ran the session: streams use this to stop trusting a silence after a departure.
    /// </summary>
    public CancellationToken NextDeparture => _departure.Token;

    /// <summary>A token cancelled once the silo (Orleans' parsable address <c>ip:port@generation</c>) is no longer listed.</summary>
    public CancellationToken WhenGone(string? silo)
    {
        if (silo is null || Parse(silo) is not { } key) return CancellationToken.None;
        if (_live is { } live && !live.Contains(key)) return new CancellationToken(canceled: true);
        return _watches.GetOrAdd(key, _ => new CancellationTokenSource()).Token;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IGatewayListProvider>() is not { } gateways)
        {
            logger.LogInformation("No cluster gateway list to watch (a co-hosted silo)");
            return;
        }
        using var timer = new PeriodicTimer(PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var live = (await gateways.GetGatewaysAsync(stoppingToken).ConfigureAwait(false))
                    .Select(u => Parse($"{u.Host}:{u.Port}@{u.AbsolutePath.Trim('/')}")).OfType<(string, int)>().ToHashSet();
                if (_live is { } previous && previous.Any(p => !live.Contains(p)))
                {
                    var departed = Interlocked.Exchange(ref _departure, new CancellationTokenSource());
                    departed.Cancel();
                    departed.Dispose();
                }
                _live = live;
                foreach (var key in _watches.Keys)
                {
                    if (live.Contains(key) || !_watches.TryRemove(key, out var source)) continue;
                    logger.LogWarning("Silo {Host} (generation {Generation}) left the cluster; ending the streams it ran", key.Host, key.Generation);
                    source.Cancel();
                    source.Dispose();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "Reading the cluster's gateway list failed; retrying");
            }
        }
    }

    /// <summary>The IP and generation of <c>ip:port@generation</c> (a silo and its gateway share both, not the port).</summary>
    private static (string Host, int Generation)? Parse(string address)
    {
        int at = address.LastIndexOf('@');
        int colon = address.LastIndexOf(':', at < 0 ? address.Length - 1 : at);
        return at > 0 && colon > 0 && int.TryParse(address[(at + 1)..], out int generation) ? (address[..colon], generation) : null;
    }
}
