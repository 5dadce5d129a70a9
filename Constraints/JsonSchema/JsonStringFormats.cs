namespace Cluster.Constraints.JsonSchema;

/// <summary>
/// Regexes (full match) for the string <c>format</c>s we enforce. Each generates only values that strict validators accept
/// (years 1000–9999, days that exist in every year, no leap seconds), a subset of what the format allows.
/// </summary>
internal static class JsonStringFormats
{
    private const string Date =
        @"[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))";

    private const string Time = @"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

    private const string Octet = @"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

    private const string Hex = "[0-9a-f]";

    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "T" + Time,
        ["uuid"] = $"{Hex}{{8}}-{Hex}{{4}}-{Hex}{{4}}-{Hex}{{4}}-{Hex}{{12}}",
        // Bounded parts keep a wandering model from writing an address that never ends.
        ["email"] = @"[a-z0-9_+-]{1,32}(?:\.[a-z0-9_+-]{1,32}){0,2}@[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?){0,2}\.[a-z]{2,6}",
        ["ipv4"] = $@"{Octet}\.{Octet}\.{Octet}\.{Octet}",
    };

    /// <summary>The formats with a regex.</summary>
    public static IReadOnlyCollection<string> Names => Patterns.Keys;

    public static bool TryGetPattern(string format, out string pattern) => Patterns.TryGetValue(format, out pattern!);
}
