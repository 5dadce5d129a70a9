using System.Globalization;

namespace Cluster.Gateway.Tests;

/// <summary>A parsed Prometheus text exposition: each family's declared type and every sample with its labels.</summary>
internal sealed class PrometheusScrape
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public static async Task<PrometheusScrape> ReadAsync(HttpClient http) => Parse(await http.GetStringAsync("/metrics"));

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                scrape.Types[parts[2]] = parts[3];
                continue;
            }
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('{');
            int space = line.LastIndexOf(' ');
            string name = brace >= 0 ? line[..brace] : line[..space];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                int end = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..end]))
                {
                    int eq = pair.IndexOf('=');
                    labels[pair[..eq]] = pair[(eq + 2)..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                }
            }
            scrape.Samples.Add(new Sample(name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }
        return scrape;
    }

    /// <summary>Splits <c>a="x",b="y, z"</c> at the commas between pairs (values may hold commas and escaped quotes).</summary>
    private static IEnumerable<string> SplitLabels(string labels)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == '\\') { i++; continue; }
            if (labels[i] == '"') quoted = !quoted;
            else if (labels[i] == ',' && !quoted)
            {
                yield return labels[start..i];
                start = i + 1;
            }
        }
        if (start < labels.Length) yield return labels[start..];
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Of(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The sum of <paramref name="name"/>'s matching samples (0 when there are none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Of(name, labels).Sum(s => s.Value);
}
