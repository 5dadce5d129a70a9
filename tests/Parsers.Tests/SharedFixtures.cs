namespace Cluster.Parsers.Tests;

/// <summary>Locates /work/shared (the sibling of the folder holding Cluster.sln).</summary>
internal static class SharedFixtures
{
    private static readonly Lazy<string> Repository = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
        {
            dir = dir.Parent;
        }
        if (dir?.Parent is null)
        {
            throw new DirectoryNotFoundException("Cluster.sln not found above " + AppContext.BaseDirectory);
        }
        return dir.FullName;
    });

    private static readonly Lazy<string> Root = new(() => Path.Combine(Directory.GetParent(Repository.Value)!.FullName, "shared"));

    /// <summary>The folder holding Cluster.sln.</summary>
    public static string RepositoryRoot => Repository.Value;

    public static string SharedPath(params string[] parts) => Path.Combine([Root.Value, .. parts]);

    public static string VectorsFile => SharedPath("fixtures", "tool_parsers", "vllm_parser_vectors.json");
}
