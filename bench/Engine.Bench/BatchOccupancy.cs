using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Bench;

/// <summary>
/// Samples how many sequences an engine is running, every few milliseconds, while a load runs. A mean well below the
/// offered concurrency means steps run part-empty: requests reach the engine staggered or are held up above it.
/// </summary>
internal sealed class BatchOccupancy : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _samples;
    private long _running;

    private BatchOccupancy(InferenceEngine engine)
    {
        _sampling = SampleAsync(engine, _stop.Token);
    }

    public static BatchOccupancy Start(InferenceEngine engine) => new(engine);

    /// <summary>Time-averaged running sequences over the samples taken so far.</summary>
    public double MeanRunning => _samples == 0 ? double.NaN : (double)_running / _samples;

    private async Task SampleAsync(InferenceEngine engine, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                _running += engine.Statistics.Running;
                _samples++;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        _stop.Dispose();
    }
}
