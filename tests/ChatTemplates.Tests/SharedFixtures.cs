namespace Cluster.ChatTemplates.Tests;

/// <summary>Locates the shared fixture folder: <c>shared/</c> beside the repository root (the folder holding Cluster.sln).</summary>
internal static class SharedFixtures
{
    private static readonly Lazy<string> Root = new(FindChatTemplates);

    public static string ChatTemplatesDirectory => Root.Value;

    private static string FindChatTemplates()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) continue;
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "..", "shared"), Path.Combine(dir.FullName, "shared") })
            {
                var path = Path.GetFullPath(Path.Combine(candidate, "fixtures", "chat_templates"));
                if (Directory.Exists(path)) return path;
            }
        }
        throw new DirectoryNotFoundException("shared/fixtures/chat_templates not found beside the repository root");
    }
}
