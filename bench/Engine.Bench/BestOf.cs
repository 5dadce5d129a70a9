namespace Cluster.Engine.Bench;

/// <summary>
/// Repeats a measurement and keeps the best run. On a shared machine other processes only ever slow a run down, so
/// the fastest of a few is the closest to what the code can do.
/// </summary>
internal static class BestOf
{
    public static async Task<T> RunAsync<T>(int repeats, Func<Task<T>> measure, Func<T, double> throughput)
    {
        T best = await measure().ConfigureAwait(false);
        for (int i = 1; i < repeats; i++)
        {
            T next = await measure().ConfigureAwait(false);
            if (throughput(next) > throughput(best)) best = next;
        }
        return best;
    }
}
