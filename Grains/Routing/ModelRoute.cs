using System.Runtime.CompilerServices;
using Cluster.Contracts.Generation;
using Cluster.Contracts.Models;
using Cluster.Contracts.Requests;
using Orleans.Runtime;

namespace Cluster.Grains.Routing;

/// <summary>
/// One session turn's way to its model: picks a replica per sequence (a stateful session keeps its replica while it
/// lives), ends a stream as soon as its replica's silo leaves membership, and retries a sequence that has produced no
/// token yet once on another replica, so a request that meets a dying or draining replica is not lost.
/// </summary>
public sealed class ModelRoute(string model, ReplicaRouter router, SiloWatch silos, IGrainFactory grains, string? preferredReplica)
{
    /// <summary>The replica the latest sequence ran on (a stateful session sticks to it).</summary>
    public string? Replica { get; private set; } = preferredReplica;

    public async IAsyncEnumerable<GeneratedTokenEvent> GenerateAsync(TokenGenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var tried = new List<string>();
        while (true)
        {
            var replica = await router.PickAsync(model, Replica, tried, request.PromptTokenIds).ConfigureAwait(true);
            if (replica is null)
            {
                throw (tried.Count == 0
                    ? RequestRejection.ModelUnavailable(model)
                    : new RequestRejection(503, $"The replicas of '{model}' stopped before this request could start; retry it.", null, "replica_unavailable")).ToException();
            }
            tried.Add(replica.GrainKey);
            Replica = replica.GrainKey;
            using var inFlight = router.Track(replica);
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silos.WhenGone(replica.Silo));
            var tokens = grains.GetGrain<IModelGrain>(replica.GrainKey).GenerateAsync(request, gone.Token);
            var enumerator = tokens.GetAsyncEnumerator(gone.Token);
            bool produced = false;
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(true);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsReplicaFailure(e, gone.Token))
                    {
                        // A sequence that has produced nothing can run elsewhere without the client noticing; one that
                        // has cannot (its tokens are already out), so it ends with an error the client sees.
                        if (!produced && tried.Count < 2) break;
                        throw new RequestRejection(503, $"The replica generating this response ({replica.Label}) stopped; retry the request.", null, "replica_lost").ToException();
                    }
                    if (!more) yield break;
                    produced = true;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                try
                {
                    await enumerator.DisposeAsync().ConfigureAwait(true);
                }
                catch (Exception e) when (IsReplicaFailure(e, gone.Token) || e is OperationCanceledException)
                {
                    // Disposing a stream whose silo is gone fails too; nothing is left to release.
                }
            }
        }
    }

    private static bool IsReplicaFailure(Exception e, CancellationToken gone) => e switch
    {
        OperationCanceledException => gone.IsCancellationRequested,
        OrleansMessageRejectionException or TimeoutException or EnumerationAbortedException => true,
        RequestRejectedException r => r.Rejection.Status == 503,
        _ => false,
    };
}
