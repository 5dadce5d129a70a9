using System.Threading.Channels;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Apis;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Telemetry;
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
    public static async Task RelayAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map, RequestObserver observer,
        IServerStreamWriter<TMessage> writer, TimeSpan inactivity, SiloLiveness silos, CancellationToken cancellationToken)
        where TChunk : ISessionChunk
    {
        var grpc = new KeyValuePair<string, object?>("api", "grpc");
        GatewayMetrics.StreamsOpen.Add(1, grpc);
        try
        {
            await RelayCoreAsync(chunks, map, observer, writer, inactivity, silos, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            GatewayMetrics.StreamsOpen.Add(-1, grpc);
        }
    }

    private static async Task RelayCoreAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map, RequestObserver observer,
        IServerStreamWriter<TMessage> writer, TimeSpan inactivity, SiloLiveness silos, CancellationToken cancellationToken)
        where TChunk : ISessionChunk
    {
        var buffer = Channel.CreateUnbounded<TMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(chunks, map, observer, buffer.Writer, inactivity, silos, stop.Token);
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

    private static async Task PumpAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map, RequestObserver observer,
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
                if (observer.Forward(enumerator.Current)) buffer.TryWrite(map(enumerator.Current));
            }
            observer.Completed();
        }
        catch (OperationCanceledException) when (hostGone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            observer.Failed("replica_lost");
            throw new RpcException(new Status(StatusCode.Unavailable, "The silo running this response left the cluster; retry the request."));
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            observer.Failed("stream_timeout");
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
