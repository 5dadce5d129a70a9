using System.Collections.Concurrent;
using Cluster.Contracts.Models;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Cluster.Grains.Routing;

/// <summary>
/// Picks the replica a sequence runs on. Reads the replica registry at most once a second (in the background once it
/// has a view, so requests never wait on it), filters by this silo's live membership view (a dead silo drops out the
/// moment membership declares it, before the registry is read again), and chooses by <see cref="ReplicaScoring"/>:
/// running plus waiting sequences as last reported, plus the sequences this silo sent there and has not seen finish,
/// weighed against how much of the prompt each replica's prefix cache holds (<see cref="PrefixAffinity"/>).
/// </summary>
public sealed partial class ReplicaRouter(IGrainFactory grains, SiloWatch silos, RoutingOptions options, ILogger<ReplicaRouter> logger)
{
    private readonly PrefixAffinity _affinity = new();

    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    /// <summary>A view older than this (a router idle for a while) is refreshed before it is used.</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2.5);

    /// <summary>How long a request waits for that refresh before it routes on the old view.</summary>
    private static readonly TimeSpan MaxWaitForView = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _firstRead = new(1, 1);
    private volatile CatalogView? _view;
    private DateTime _readAt;
    private Task? _refresh;

    /// <summary>The registry's view, refreshed in the background when older than a second and before use when older than <see cref="MaxAge"/>.</summary>
    public async ValueTask<CatalogView> ViewAsync()
    {
        if (_view is null)
        {
            await _firstRead.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_view is null) await RefreshAsync().ConfigureAwait(false);
            }
            finally
            {
                _firstRead.Release();
            }
        }
        else if (DateTime.UtcNow - _readAt > Freshness)
        {
            if (_refresh is null or { IsCompleted: true }) _refresh = RefreshAsync();
            // A router that has been idle holds a view from before its quiet spell: loads and cached prefixes that are
            // long gone. Under traffic views stay younger than this and nobody waits; after a pause the first request
            // waits for one registry read, never long (a registry that does not answer leaves the old view in use).
            if (DateTime.UtcNow - _readAt > MaxAge)
            {
                try
                {
                    await _refresh.WaitAsync(MaxWaitForView).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
        }
        return _view ?? CatalogView.Empty;
    }

    /// <summary>Reads the registry now (after registering or unregistering, to see the change at once).</summary>
    public async Task RefreshAsync()
    {
        try
        {
            _view = await grains.GetGrain<IModelCatalogGrain>(0).ListAsync().ConfigureAwait(false);
            _readAt = DateTime.UtcNow;
        }
        catch (Exception e)
        {
            // The registry's silo may just have died; keep routing on the last view (filtered by live membership).
            LogRefreshFailed(e.GetType().Name);
            _view ??= CatalogView.Empty;
        }
    }

    /// <summary>The model's replicas that can take a new sequence now.</summary>
    public async ValueTask<ReplicaStatus[]> AvailableAsync(string model)
    {
        var available = Available(await ViewAsync().ConfigureAwait(false), model);
        // None in a view that may be stale (a replica that just registered): read the registry now rather than refuse.
        if (available.Length == 0 && DateTime.UtcNow - _readAt > TimeSpan.FromMilliseconds(200))
        {
            await RefreshAsync().ConfigureAwait(false);
            available = Available(_view ?? CatalogView.Empty, model);
        }
        return available;
    }

    private ReplicaStatus[] Available(CatalogView view, string model) =>
        view.Of(model).Where(r => !r.Draining && silos.IsActive(SiloAddress.FromParsableString(r.Replica.Silo))).ToArray();

    /// <summary>
    /// The best-scoring available replica of <paramref name="model"/> for <paramref name="prompt"/> not in
    /// <paramref name="exclude"/>; <paramref name="preferred"/> (a session's sticky replica) while it is available.
    /// Null when none is.
    /// </summary>
    public async ValueTask<ModelReplica?> PickAsync(string model, string? preferred, IReadOnlyCollection<string> exclude, IReadOnlyList<int>? prompt = null)
    {
        var candidates = (await AvailableAsync(model).ConfigureAwait(false)).Where(r => !exclude.Contains(r.Replica.GrainKey)).ToArray();
        if (candidates.Length == 0) return null;
        if (preferred is not null && candidates.FirstOrDefault(c => c.Replica.GrainKey == preferred) is { } sticky) return sticky.Replica;
        // Replicas of one model may differ in block size; each is hashed the way its engine hashes.
        var landmarks = options.Policy == RoutingPolicy.PrefixAware && prompt is { Count: > 0 }
            ? candidates.Select(c => c.Load?.BlockSize ?? 0).Where(b => b > 0).Distinct().ToDictionary(b => b, b => PrefixAffinity.Landmarks(prompt, b))
            : null;
        double best = double.MaxValue;
        var ties = new List<ReplicaStatus>();
        foreach (var c in candidates)
        {
            int inFlight = _inFlight.GetValueOrDefault(c.Replica.GrainKey);
            double score = landmarks is not null && c.Load is { BlockSize: > 0 } load
                ? ReplicaScoring.Score(c, inFlight, prompt!.Count, _affinity.CachedTokens(c, landmarks[load.BlockSize]))
                : ReplicaScoring.Score(c, inFlight);
            if (score < best - 1e-9)
            {
                best = score;
                ties.Clear();
            }
            if (score <= best + 1e-9) ties.Add(c);
        }
        var chosen = TieBreak(ties, landmarks);
        if (landmarks is not null && chosen.Load is { BlockSize: > 0 } chosenLoad) _affinity.Record(chosen.Replica.GrainKey, landmarks[chosenLoad.BlockSize]);
        return chosen.Replica;
    }

    /// <summary>
    /// Among equally good replicas, the one a hash of the prompt's first landmark and the replica's key ranks first
    /// (rendezvous hashing), so that the routers of different silos, each with its own recent choices, agree where a
    /// new prefix goes and warm one cache rather than several. Random for prompts too short to have a landmark.
    /// </summary>
    private static ReplicaStatus TieBreak(List<ReplicaStatus> ties, Dictionary<int, ulong[]>? landmarks)
    {
        if (ties.Count == 1) return ties[0];
        ulong? first = landmarks?.Values.FirstOrDefault(l => l.Length > 0)?[0];
        if (first is not ulong prefix) return ties[Random.Shared.Next(ties.Count)];
        return ties.MaxBy(t => System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(t.Replica.GrainKey), (long)prefix))!;
    }

    /// <summary>Counts a sequence sent to <paramref name="replica"/> until disposed.</summary>
    public IDisposable Track(ModelReplica replica)
    {
        _inFlight.AddOrUpdate(replica.GrainKey, 1, (_, n) => n + 1);
        return new InFlight(this, replica.GrainKey);
    }

    private sealed class InFlight(ReplicaRouter router, string key) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) router._inFlight.AddOrUpdate(key, 0, (_, n) => Math.Max(0, n - 1));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replica registry read failed ({Error}); routing on the last view")]
    private partial void LogRefreshFailed(string error);
}
