namespace Cluster.Engine.Bench;

/// <summary>
/// The machine's load average, printed beside every table: on a shared machine other processes take cores from the
/// benchmark (libtorch's OpenMP teams suffer most), and a figure taken under load must be read as such.
/// </summary>
internal static class MachineLoad
{
    public static string Describe()
    {
        const string LoadAverage = "/proc/loadavg";
        if (!File.Exists(LoadAverage)) return "load average unknown";
        var fields = File.ReadAllText(LoadAverage).Split(' ');
        return $"load average {fields[0]} (1 min), {Environment.ProcessorCount} cores";
    }
}
