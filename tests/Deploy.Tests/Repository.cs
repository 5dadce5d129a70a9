namespace Cluster.Deploy.Tests;

/// <summary>Paths in the checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding <c>Cluster.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Kubernetes => Path.Combine(Deploy, "kubernetes");

    public static string Images => Path.Combine(Deploy, "images");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Cluster.sln above {AppContext.BaseDirectory}");
    }
}
