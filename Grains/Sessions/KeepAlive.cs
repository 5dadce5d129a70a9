using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Keep-alives for session streams. A streamed request can wait long before its first token without anything being
/// wrong: queued behind other sequences, or prefilling a long prompt on a busy replica. The gateway ends a stream
/// that stays silent for its inactivity timeout (a hung silo must not hold a client forever), so a session repeats
/// its stream header (see <c>ISessionChunk</c>) whenever its output has been silent for <see cref="Interval"/>:
/// the watchdog then measures whether the session is alive, not how long the queue is. Gateways never forward headers.
/// </summary>
internal static class KeepAlive
{
    /// <summary>A third of the gateway's default inactivity timeout (30 s).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary><paramref name="source"/>'s items, with a null wherever it stayed silent for <paramref name="interval"/>.</summary>
    /// <remarks>
    /// Runs once per token, so an item costs a timestamp: the timer is started only when the source is silent and is
    /// not replaced when items arrive; when it fires early (items came meanwhile) it is restarted for what remains.
    /// </remarks>
    public static async IAsyncEnumerable<T?> Interleave<T>(IAsyncEnumerable<T> source, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        var items = source.GetAsyncEnumerator(cancellationToken);
        var next = items.MoveNextAsync().AsTask();
        long quietSince = Stopwatch.GetTimestamp();
        Task? timer = null;
        try
        {
            while (true)
            {
                if (!next.IsCompleted)
                {
                    var remaining = interval - Stopwatch.GetElapsedTime(quietSince);
                    if (remaining <= TimeSpan.Zero)
                    {
                        quietSince = Stopwatch.GetTimestamp();
                        yield return null;
                        continue;
                    }
                    timer ??= Task.Delay(remaining, cancellationToken);
                    if (await Task.WhenAny(next, timer).ConfigureAwait(true) != next)
                    {
                        timer = null;
                        cancellationToken.ThrowIfCancellationRequested();
                        continue;
                    }
                }
                if (!await next.ConfigureAwait(true)) yield break;
                quietSince = Stopwatch.GetTimestamp();
                yield return items.Current;
                next = items.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            // An enumerator must not be disposed while a MoveNext is pending; a cancelled one ends promptly.
            try
            {
                await next.ConfigureAwait(true);
            }
            catch (Exception)
            {
                // Its outcome is the caller's concern only if the caller is still reading, and it is not.
            }
            await items.DisposeAsync().ConfigureAwait(true);
        }
    }
}
