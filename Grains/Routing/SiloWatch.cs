using System.Collections.Concurrent;
using Orleans.Runtime;

namespace Cluster.Grains.Routing;

/// <summary>
/// Tokens that fire when a silo leaves the active membership (declared dead, or shutting down), so a stream pulling
/// from a replica on that silo ends as soon as membership knows, instead of waiting out a response timeout.
/// </summary>
public sealed class SiloWatch(IClusterMembershipService membership) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ConcurrentDictionary<SiloAddress, CancellationTokenSource> _watches = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watching;

    /// <summary>Ends when the silo stops watching (for tests and shutdown).</summary>
    public Task Watching => _watching ?? Task.CompletedTask;

    public bool IsActive(SiloAddress silo) => membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Active;

    /// <summary>A token cancelled when <paramref name="silo"/> (Orleans' parsable form) stops being active.</summary>
    public CancellationToken WhenGone(string silo)
    {
        var address = SiloAddress.FromParsableString(silo);
        if (!IsActive(address)) return new CancellationToken(canceled: true);
        var source = _watches.GetOrAdd(address, _ => new CancellationTokenSource());
        // The snapshot may have changed between the check and the registration.
        if (!IsActive(address)) Fire(address);
        return source.Token;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloWatch), ServiceLifecycleStage.Active, start =>
        {
            _watching = WatchAsync(_stopping.Token);
            return Task.CompletedTask;
        }, stop => _stopping.CancelAsync());

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
                foreach (var silo in _watches.Keys)
                    if (snapshot.GetSiloStatus(silo) != SiloStatus.Active) Fire(silo);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fire(SiloAddress silo)
    {
        if (_watches.TryRemove(silo, out var source))
        {
            source.Cancel();
            source.Dispose();
        }
    }

    public void Dispose() => _stopping.Dispose();
}
