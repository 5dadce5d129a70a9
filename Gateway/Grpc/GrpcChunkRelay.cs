using System.Threading.Channels;
using Cluster.Gateway.Apis;
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
    public static async Task RelayAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map,
        IServerStreamWriter<TMessage> writer, TimeSpan inactivity, CancellationToken cancellationToken)
    {
        var buffer = Channel.CreateUnbounded<TMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(chunks, map, buffer.Writer, inactivity, stop.Token);
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

    private static async Task PumpAsync<TChunk, TMessage>(IAsyncEnumerable<TChunk> chunks, Func<TChunk, TMessage> map,
        ChannelWriter<TMessage> buffer, TimeSpan inactivity, CancellationToken cancellationToken)
    {
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = chunks.GetAsyncEnumerator(watchdog.Token);
        try
        {
            while (true)
            {
                watchdog.CancelAfter(inactivity);
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) break;
                buffer.TryWrite(map(enumerator.Current));
            }
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The model produced nothing for {inactivity.TotalSeconds:0} s; the stream was ended."));
        }
        finally
        {
            buffer.TryComplete();
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
