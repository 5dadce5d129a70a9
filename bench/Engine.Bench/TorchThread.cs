using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace Cluster.Engine.Bench;

/// <summary>
/// Runs the benchmark's own tensor work on one long-lived thread configured like the engine's: libtorch's OpenMP thread
/// count is a per-thread setting, and every thread that runs parallel kernels gets its own team of OpenMP workers, so
/// a fresh thread per measurement would both differ from the engine and leave extra teams behind.
/// </summary>
internal static class TorchThread
{
    private static readonly BlockingCollection<Action> Work = [];
    private static readonly Lock Starting = new();
    private static int? _threads;
    private static Thread? _thread;

    /// <param name="threads">Torch threads; must be the same on every call of a run (the thread is configured once).</param>
    public static T Run<T>(int? threads, Func<T> work)
    {
        EnsureStarted(threads);
        T result = default!;
        Exception? failure = null;
        using var done = new ManualResetEventSlim();
        Work.Add(() =>
        {
            try
            {
                using var inference = inference_mode();
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
            done.Set();
        });
        done.Wait();
        return failure is null ? result : throw new InvalidOperationException("Tensor work failed.", failure);
    }

    private static void EnsureStarted(int? threads)
    {
        lock (Starting)
        {
            if (_thread is not null)
            {
                if (_threads != threads) throw new InvalidOperationException("The torch thread count cannot change within a run.");
                return;
            }
            _threads = threads;
            _thread = new Thread(() =>
            {
                if (threads is int n) set_num_threads(n);
                foreach (var item in Work.GetConsumingEnumerable()) item();
            }) { Name = "bench-torch", IsBackground = true };
            _thread.Start();
        }
    }
}
