using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Cluster.Gateway.Cli;

/// <summary>
/// A model configuration file for <c>serve --config FILE</c>, JSON or YAML, meant to live in version control.
/// Keys are the command-line flags' names without dashes, in either spelling (<c>tool_call_parser</c> or
/// <c>tool-call-parser</c>); flags given on the command line win. Relative paths are relative to the file.
/// </summary>
public static class ServeConfigFile
{
    /// <summary>Settings whose values are paths.</summary>
    private static readonly HashSet<string> PathSettings = ["--model", "--chat-template", "--cache-dir"];

    public static IReadOnlyDictionary<string, string> Load(string path)
    {
        string text = File.ReadAllText(path);
        var raw = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? FromJson(text) : FromYaml(text);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            string flag = "--" + key.Replace('_', '-');
            // The tool-call parser may be a spec file; a .json value is a path like any other.
            bool isPath = PathSettings.Contains(flag) || (flag == "--tool-call-parser" && value.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
            settings[flag] = isPath && !Path.IsPathRooted(value) ? Path.GetFullPath(Path.Combine(directory, value)) : value;
        }
        return settings;
    }

    private static Dictionary<string, string> FromJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ArgumentException("the config file must hold a JSON object");
        var result = new Dictionary<string, string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null) continue;
            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw new ArgumentException($"setting '{property.Name}' must be a string, number or boolean"),
            };
        }
        return result;
    }

    private static Dictionary<string, string> FromYaml(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var result = new Dictionary<string, string>();
        if (yaml.Documents.Count == 0) return result;
        if (yaml.Documents[0].RootNode is not YamlMappingNode mapping) throw new ArgumentException("the config file must hold a YAML mapping");
        foreach (var (key, value) in mapping.Children)
        {
            if (value is not YamlScalarNode scalar) throw new ArgumentException($"setting '{key}' must be a scalar");
            if (scalar.Value is null or "null" or "~" or "") continue;
            result[((YamlScalarNode)key).Value!] = scalar.Value.ToString(CultureInfo.InvariantCulture);
        }
        return result;
    }
}
