namespace Cluster.Parsers.Tests;

/// <summary>Locates the repository root and the fixtures copied into it (<c>tests/Fixtures</c>).</summary>
internal static class RepositoryFixtures
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

    private static readonly Lazy<string> Root = new(() => Path.Combine(Repository.Value, "tests", "Fixtures"));

    /// <summary>The folder holding Cluster.sln.</summary>
    public static string RepositoryRoot => Repository.Value;

    public static string FixturePath(params string[] parts) => Path.Combine([Root.Value, .. parts]);

    public static string VectorsFile => FixturePath("tool_parsers", "vllm_parser_vectors.json");
}
