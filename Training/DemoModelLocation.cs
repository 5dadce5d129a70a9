namespace Cluster.Training;

/// <summary>
/// Where the committed <c>demo</c> checkpoint is: beside the executable (the build copies <c>models/demo</c> into the
/// output folder, and the container image carries it), else in the source tree above the working directory.
/// </summary>
public static class DemoModelLocation
{
    public const string ServedName = "demo";

    private static readonly string Relative = Path.Combine("models", "demo");

    /// <summary>The checkpoint's folder, or null when neither place holds one (its <c>model.safetensors</c> included).</summary>
    public static string? Find()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, Relative);
        if (IsCheckpoint(beside)) return beside;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, Relative);
            if (IsCheckpoint(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsCheckpoint(string folder) =>
        File.Exists(Path.Combine(folder, "config.json")) && File.Exists(Path.Combine(folder, "model.safetensors"));
}
