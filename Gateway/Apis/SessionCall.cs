using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;

namespace Cluster.Gateway.Apis;

/// <summary>
/// One call of a session grain's output stream, with what the gateway needs to watch it: the session's header (its
/// silo) arrives first, and a request that lost its way before any header (its first message went to, or through, a
/// silo that died) can be issued again when it is stateless, since nothing ran yet: under a fresh single-use session.
/// </summary>
internal sealed class SessionCall<T>(IClusterClient cluster, string sessionId, Func<ISessionGrain, IAsyncEnumerable<T>> call, SiloLiveness silos)
    where T : ISessionChunk
{
    /// <summary>After a silo leaves, how long a request may wait for its session's header before it counts as lost
    /// with that silo. A live session sends its header as soon as the call reaches it.</summary>
    private static readonly TimeSpan HeaderAfterDeparture = TimeSpan.FromSeconds(2);

    public SiloLiveness Silos => silos;

    /// <summary>
    /// Opens the stream and reads its header; returns the enumerator positioned on it, the cancellation source the
    /// enumerator listens to (the caller's to use and dispose), and the host. Refusals before the header (a busy
    /// session) surface as <see cref="RequestValidationException"/>.
    /// </summary>
    public async Task<(IAsyncEnumerator<T> Stream, CancellationTokenSource Cancel, string? Host)> OpenAsync(CancellationToken cancellationToken)
    {
        string id = sessionId;
        for (int attempt = 0; ; attempt++)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stream = call(cluster.GetGrain<ISessionGrain>(id)).GetAsyncEnumerator(cancel.Token);
            bool departed = false;
            var departure = silos.NextDeparture.Register(() =>
            {
                departed = true;
                try
                {
                    cancel.CancelAfter(HeaderAfterDeparture);
                }
                catch (ObjectDisposedException)
                {
                }
            });
            try
            {
                if (!await GrainCalls.MapErrors(() => stream.MoveNextAsync().AsTask()).ConfigureAwait(false))
                    throw new InvalidOperationException("The session ended its stream without a header.");
                departure.Dispose();
                // A departure may have armed the deadline; the header arrived, so it no longer applies.
                cancel.CancelAfter(Timeout.InfiniteTimeSpan);
                return (stream, cancel, stream.Current.Host);
            }
            catch (Exception e) when (departed && !cancellationToken.IsCancellationRequested && e is OperationCanceledException or RequestValidationException { StatusCode: 503 })
            {
                departure.Dispose();
                // Disposing a stream whose silo is gone can wait out a response timeout: let it, elsewhere.
                _ = stream.DisposeAsync().AsTask().ContinueWith(t => t.Exception, TaskScheduler.Default);
                cancel.Dispose();
                if (attempt > 0 || !SessionId.IsEphemeral(id)) throw GrainCalls.SiloLostRefusal();
                id = SessionId.NewEphemeral();
            }
            catch
            {
                departure.Dispose();
                await stream.DisposeAsync().ConfigureAwait(false);
                cancel.Dispose();
                throw;
            }
        }
    }
}
