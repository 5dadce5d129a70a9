using System.Threading.Channels;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Apis;
using Cluster.Gateway.Hosting;
using Grpc.Core;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// The gRPC counterpart of <see cref="ChunkRelay{TChunk}"/>: pulls a session grain's stream into a gateway-side
/// buffer (a slow client never stalls the pull, which Orleans would evict) and writes each chunk as a message.
/// An inactivity watchdog ends a stream whose grain side went silent with UNAVAILABLE; the caller's cancellation
/// or deadline cancels the grain stream, which stops generation and frees the sequence.
/// </summary>
internal static class GrpcChunkRelay
{
    /// <param name="forward">Which chunks reach the client (all when null): a metered stream drops the usage chunk the client did not ask for.</param>
    public static async Task RelayAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map,
        IServerStreamWriter<TMessage> writer, TimeSpan inactivity, SiloLiveness silos, CancellationToken cancellationToken, Func<TChunk, bool>? forward = null)
        where TChunk : ISessionChunk
    {
        var buffer = Channel.CreateUnbounded<TMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(chunks, map, forward, buffer.Writer, inactivity, silos, stop.Token);
        try
        {
            await foreach (var message in buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The client side failed: stop generating, and report the write failure rather than the cancellation.
            await stop.CancelAsync().ConfigureAwait(false);
            try { await pump.ConfigureAwait(false); } catch (Exception) { }
            throw;
        }
        // Surfaces the pump's failure (a rejection, a timeout) as the call's status.
        await pump.ConfigureAwait(false);
    }

    private static async Task PumpAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map, Func<TChunk, bool>? forward,
        ChannelWriter<TMessage> buffer, TimeSpan inactivity, SiloLiveness silos, CancellationToken cancellationToken)
        where TChunk : ISessionChunk
    {
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = chunks.GetAsyncEnumerator(watchdog.Token);
        var hostGone = CancellationToken.None;
        CancellationTokenRegistration onGone = default;
        try
        {
            while (true)
            {
                watchdog.CancelAfter(inactivity);
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) break;
                if (enumerator.Current.Host is { } host)
                {
                    // The session's header: from now on its silo's death ends the call at once. Later headers are
                    // keep-alives, which only reset the watchdog.
                    if (onGone == default)
                    {
                        hostGone = silos.WhenGone(host);
                        onGone = hostGone.Register(watchdog.Cancel);
                    }
                    continue;
                }
                if (forward?.Invoke(enumerator.Current) != false) buffer.TryWrite(map(enumerator.Current));
            }
        }
        catch (OperationCanceledException) when (hostGone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The silo running this response left the cluster; retry the request."));
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The model produced nothing for {inactivity.TotalSeconds:0} s; the stream was ended."));
        }
        finally
        {
            onGone.Dispose();
            buffer.TryComplete();
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
