namespace Cluster.Engine.Bench;

/// <summary>
/// CPU time this process's threads spent, grouped by thread name, from <c>/proc/self/task</c> (Linux only; empty
/// elsewhere). Threads libtorch starts from the engine thread inherit its name, so "inference-engin" (the kernel keeps
/// 15 characters) holds all tensor work and the rest is the .NET stack: Kestrel, Orleans, grains, the client.
/// </summary>
internal sealed class ThreadCpuProfile
{
    // USER_HZ: the unit of utime/stime in /proc, 100 on every mainstream Linux architecture.
    private const double TicksPerSecond = 100;

    private readonly Dictionary<int, (string Name, long Ticks)> _threads;

    private ThreadCpuProfile(Dictionary<int, (string Name, long Ticks)> threads)
    {
        _threads = threads;
    }

    /// <summary>A thread name as the kernel stores it (and this profile reports it): its first 15 characters.</summary>
    public static string KernelThreadName(string name) => name.Length <= 15 ? name : name[..15];

    public static ThreadCpuProfile Capture()
    {
        var threads = new Dictionary<int, (string, long)>();
        if (!Directory.Exists("/proc/self/task")) return new ThreadCpuProfile(threads);
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // "tid (comm) state ppid …": comm may hold spaces or parentheses, so fields count from the last ')'.
                int close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                long ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime
                threads[int.Parse(Path.GetFileName(task))] = (name, ticks);
            }
            catch (IOException)
            {
                // The thread exited while we looked.
            }
        }
        return new ThreadCpuProfile(threads);
    }

    /// <summary>CPU seconds per thread name spent between <paramref name="before"/> and this snapshot.</summary>
    public IReadOnlyDictionary<string, double> SecondsSince(ThreadCpuProfile before)
    {
        var seconds = new Dictionary<string, double>();
        foreach (var (id, (name, ticks)) in _threads)
        {
            long spent = ticks - (before._threads.TryGetValue(id, out var earlier) ? earlier.Ticks : 0);
            seconds[name] = seconds.GetValueOrDefault(name) + spent / TicksPerSecond;
        }
        return seconds;
    }
}
