using System.Runtime.CompilerServices;
using Cluster.Grains.Sessions;

namespace Cluster.Gateway.Tests;

/// <summary>
/// A session stream that waits long for its first token (a queue, a long prefill) repeats its header so the gateway's
/// inactivity watchdog does not end it; these check the interleaving that produces those keep-alives.
/// </summary>
public sealed class SessionKeepAliveTests
{
    private static async IAsyncEnumerable<string> Slow(string[] items, TimeSpan gap, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            await Task.Delay(gap, cancellationToken);
            yield return item;
        }
    }

    private static async IAsyncEnumerable<string> Immediate(string[] items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }

    [Fact]
    public async Task A_silent_source_is_interleaved_with_keep_alives_and_keeps_its_items_in_order()
    {
        var seen = new List<string?>();
        await foreach (var item in KeepAlive.Interleave(Slow(["a", "b", "c"], TimeSpan.FromMilliseconds(400)), TimeSpan.FromMilliseconds(60)))
            seen.Add(item);

        Assert.Equal(["a", "b", "c"], seen.OfType<string>());
        // Each 400 ms gap holds several 60 ms silences; how many exactly depends on the scheduler.
        Assert.True(seen.Count(item => item is null) >= 3, $"{seen.Count(item => item is null)} keep-alives");
        Assert.Null(seen[0]);
        Assert.Equal("c", seen[^1]);
    }

    [Fact]
    public async Task A_prompt_source_gets_no_keep_alives()
    {
        var seen = new List<string?>();
        await foreach (var item in KeepAlive.Interleave(Immediate(["a", "b", "c", "d"]), TimeSpan.FromSeconds(5)))
            seen.Add(item);

        Assert.Equal(["a", "b", "c", "d"], seen);
    }

    [Fact]
    public async Task Cancelling_a_silent_stream_ends_it_and_disposes_the_source()
    {
        var disposed = new TaskCompletionSource();
        async IAsyncEnumerable<string> Hung([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                yield return "never";
            }
            finally
            {
                disposed.TrySetResult();
            }
        }

        using var cancel = new CancellationTokenSource();
        int keepAlives = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var item in KeepAlive.Interleave(Hung(), TimeSpan.FromMilliseconds(30), cancel.Token))
                if (item is null && ++keepAlives == 2) cancel.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, keepAlives);
    }

    [Fact]
    public async Task A_failing_source_surfaces_its_error_to_the_reader()
    {
        async IAsyncEnumerable<string> Failing()
        {
            await Task.Delay(100);
            yield return "a";
            await Task.Delay(100);
            throw new InvalidOperationException("replica lost");
        }

        var seen = new List<string?>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var item in KeepAlive.Interleave(Failing(), TimeSpan.FromMilliseconds(30)))
                seen.Add(item);
        });
        Assert.Equal("replica lost", error.Message);
        Assert.Contains("a", seen);
    }
}
