using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cluster.Deploy.Tests;

/// <summary>The instructions of a Dockerfile under <c>deploy/images</c> that the tests hold the binaries to.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string name, List<(string Instruction, string Value)> lines) { Name = name; Lines = lines; }

    public string Name { get; }

    /// <summary>Instructions with line continuations joined, comments dropped.</summary>
    public IReadOnlyList<(string Instruction, string Value)> Lines { get; }

    public static Dockerfile Load(string name)
    {
        string text = File.ReadAllText(Path.Combine(Repository.Images, name));
        var lines = new List<(string, string)>();
        string? current = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (current is null && (line.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(line))) continue;
            bool continues = line.EndsWith('\\');
            string part = continues ? line[..^1] : line;
            current = current is null ? part.Trim() : current + " " + part.Trim();
            if (continues) continue;
            var m = InstructionPattern().Match(current);
            lines.Add((m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value.Trim()));
            current = null;
        }
        return new Dockerfile(name, lines);
    }

    /// <summary>The lines of the last stage (the image that ships).</summary>
    public IEnumerable<(string Instruction, string Value)> FinalStage =>
        Lines.Skip(Lines.Select((l, i) => (l, i)).Last(x => x.l.Instruction == "FROM").i);

    /// <summary>An exec-form (JSON array) instruction of the final stage, such as ENTRYPOINT or CMD.</summary>
    public List<string> ExecForm(string instruction)
    {
        var line = FinalStage.LastOrDefault(l => l.Instruction == instruction);
        Assert.True(line.Value is not null, $"{Name}: no {instruction} in the final stage");
        Assert.StartsWith("[", line.Value);
        return JsonSerializer.Deserialize<List<string>>(line.Value)!;
    }

    /// <summary>The HEALTHCHECK's shell command (after its options and <c>CMD</c>).</summary>
    public string HealthCheckCommand
    {
        get
        {
            var line = FinalStage.LastOrDefault(l => l.Instruction == "HEALTHCHECK");
            Assert.True(line.Value is not null, $"{Name}: no HEALTHCHECK");
            int cmd = line.Value.IndexOf("CMD ", StringComparison.Ordinal);
            Assert.True(cmd >= 0, $"{Name}: HEALTHCHECK without CMD");
            return line.Value[(cmd + 4)..].Trim();
        }
    }

    [GeneratedRegex(@"^(\w+)\s+(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();
}
