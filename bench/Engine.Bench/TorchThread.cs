using static TorchSharp.torch;

namespace Cluster.Engine.Bench;

/// <summary>
/// Runs tensor work on a fresh thread configured like the engine's own: libtorch's OpenMP thread count is a
/// per-thread setting, so measurements taken on another thread would otherwise use a different team size.
/// </summary>
internal static class TorchThread
{
    public static T Run<T>(int? threads, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (threads is int n) set_num_threads(n);
                using var inference = inference_mode();
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { Name = "bench-torch" };
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("Tensor work failed.", failure);
    }
}
