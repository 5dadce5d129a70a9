using System.Net.ServerSentEvents;
using System.Threading.Channels;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Serialization;
using Cluster.Gateway.Telemetry;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Pulls a session grain's chunk stream into a gateway-side buffer and serves it as SSE <c>data</c> payloads.
/// The buffer decouples the two sides: a slow HTTP client never stops the pulling (Orleans evicts a stream
/// that is not pulled for a whole response timeout), and an inactivity watchdog ends the stream with an
/// error event when the grain side goes silent instead of leaving the client hanging. The session's silo is watched
/// too: when it leaves the cluster the stream ends at once (see <see cref="SiloLiveness"/>).
/// </summary>
internal sealed class ChunkRelay<TChunk> where TChunk : ISessionChunk
{
    private readonly Channel<SseItem<string>> _buffer = Channel.CreateUnbounded<SseItem<string>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SseFormat<TChunk> _format;

    private ChunkRelay(SseFormat<TChunk> format) => _format = format;

    private void Write(TChunk chunk, RequestObserver observer)
    {
        // A header after the first is the session's keep-alive: it has reset the watchdog and carries nothing for the client.
        if (chunk.Host is not null) return;
        if (observer.Forward(chunk)) _buffer.Writer.TryWrite(_format.Item(chunk));
    }

    /// <summary>
    /// Starts the relay and waits for the first chunk, so that errors raised before any output (a prompt too long,
    /// a model that is gone) are still answered with an HTTP error status rather than inside the stream.
    /// </summary>
    /// <param name="format">How chunks, errors and the end are written; null for chat and completions chunks' (<see cref="SseFormat{TChunk}"/>).</param>
    public static async Task<ChunkRelay<TChunk>> StartAsync(SessionCall<TChunk> call, RequestObserver observer, TimeSpan inactivity, ILogger logger, CancellationToken cancellationToken, SseFormat<TChunk>? format = null)
    {
        var (enumerator, watchdog, host) = await call.OpenAsync(cancellationToken).ConfigureAwait(false);
        watchdog.CancelAfter(inactivity);
        // The session's header names its silo; from then on that silo's death ends the request at once.
        var hostGone = call.Silos.WhenGone(host);
        bool any;
        try
        {
            using var onGone = hostGone.Register(watchdog.Cancel);
            try
            {
                any = await GrainCalls.MapErrors(() => enumerator.MoveNextAsync().AsTask()).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hostGone.IsCancellationRequested)
            {
                throw GrainCalls.SiloLostRefusal();
            }
        }
        catch
        {
            await enumerator.DisposeAsync();
            watchdog.Dispose();
            throw;
        }
        var relay = new ChunkRelay<TChunk>(format ?? new SseFormat<TChunk>());
        if (any) relay.Write(enumerator.Current, observer);
        _ = relay.PumpAsync(enumerator, any, observer, watchdog, inactivity, call.Silos, hostGone, logger, cancellationToken);
        return relay;
    }

    /// <summary>After a silo leaves, how long a stream may stay silent before it counts as lost with that silo (its
    /// request may have travelled through the departed silo's Orleans gateway). Healthy streams produce tokens every
    /// few milliseconds.</summary>
    private static readonly TimeSpan SilenceAfterDeparture = TimeSpan.FromSeconds(2);

    private async Task PumpAsync(IAsyncEnumerator<TChunk> enumerator, bool more, RequestObserver observer,
        CancellationTokenSource watchdog, TimeSpan inactivity, SiloLiveness silos, CancellationToken hostGone, ILogger logger, CancellationToken clientAborted)
    {
        bool lostHost = false, departed = false;
        using var onHostGone = hostGone.Register(() =>
        {
            lostHost = true;
            watchdog.Cancel();
        });
        var departure = silos.NextDeparture;
        var onDeparture = departure.Register(OnDeparture);
        void OnDeparture()
        {
            departed = true;
            try
            {
                watchdog.CancelAfter(SilenceAfterDeparture);
            }
            catch (ObjectDisposedException)
            {
            }
        }
        try
        {
            while (more)
            {
                departed = false;
                watchdog.CancelAfter(inactivity);
                if (departure.IsCancellationRequested)
                {
                    // Watch for the next departure too.
                    onDeparture.Dispose();
                    departure = silos.NextDeparture;
                    onDeparture = departure.Register(OnDeparture);
                }
                more = await enumerator.MoveNextAsync();
                if (more) Write(enumerator.Current, observer);
            }
            observer.Completed();
            if (_format.End is { } end) _buffer.Writer.TryWrite(end);
        }
        catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
        {
            // The client left: the cancelled enumeration has already told the grain to stop.
        }
        catch (Exception e)
        {
            var error = lostHost || (departed && watchdog.IsCancellationRequested)
                ? new OpenAIError("The silo running this response left the cluster; retry the request.", "server_error", null, "replica_lost")
                : watchdog.IsCancellationRequested
                ? new OpenAIError($"The model produced nothing for {inactivity.TotalSeconds:0} s; the stream was ended.", "server_error", null, "stream_timeout")
                : GrainCalls.Describe(e);
            // A failure that is neither a refusal nor a lost silo is a bug: its cause belongs in the log.
            if (error.Type == "server_error" && error.Code is null) logger.LogError(e, "Stream failed after it started");
            observer.Failed(error.Code);
            _buffer.Writer.TryWrite(_format.Error(error));
        }
        finally
        {
            onDeparture.Dispose();
            _buffer.Writer.TryComplete();
            await enumerator.DisposeAsync();
            watchdog.Dispose();
        }
    }

    /// <summary>The SSE payloads; the stream counts as open (<c>cluster_streams_open</c>) while the response reads them.</summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sse = new KeyValuePair<string, object?>("api", "sse");
        GatewayMetrics.StreamsOpen.Add(1, sse);
        try
        {
            await foreach (var data in _buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return data;
        }
        finally
        {
            GatewayMetrics.StreamsOpen.Add(-1, sse);
        }
    }
}
