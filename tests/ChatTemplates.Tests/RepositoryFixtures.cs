namespace Cluster.ChatTemplates.Tests;

/// <summary>Locates the chat-template fixtures copied into the repository (<c>tests/Fixtures/chat_templates</c>).</summary>
internal static class RepositoryFixtures
{
    private static readonly Lazy<string> Root = new(FindChatTemplates);

    public static string ChatTemplatesDirectory => Root.Value;

    private static string FindChatTemplates()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) continue;
            var path = Path.Combine(dir.FullName, "tests", "Fixtures", "chat_templates");
            if (Directory.Exists(path)) return path;
        }
        throw new DirectoryNotFoundException("tests/Fixtures/chat_templates not found in the repository");
    }
}
