namespace Cluster.Engine.Bench;

/// <summary>
/// Repeats measurements and keeps the best run. On a shared machine other processes only ever slow a run down, so
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

    /// <summary>
    /// Two measurements to be compared, alternated (A B A B …) so that a burst of outside load cannot fall on all runs
    /// of one side; the best of each is kept.
    /// </summary>
    public static async Task<(T A, T B)> InterleavedAsync<T>(int repeats, Func<Task<T>> measureA, Func<Task<T>> measureB, Func<T, double> throughput)
    {
        T bestA = await measureA().ConfigureAwait(false);
        T bestB = await measureB().ConfigureAwait(false);
        for (int i = 1; i < repeats; i++)
        {
            T a = await measureA().ConfigureAwait(false);
            if (throughput(a) > throughput(bestA)) bestA = a;
            T b = await measureB().ConfigureAwait(false);
            if (throughput(b) > throughput(bestB)) bestB = b;
        }
        return (bestA, bestB);
    }
}
