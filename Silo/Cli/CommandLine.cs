namespace Cluster.Silo.Cli;

/// <summary>Flags of the form <c>--name value</c> (or <c>--name=value</c>); only the names a command declares. A flag
/// given twice keeps both values (<see cref="GetAll"/>); <see cref="Get"/> reads the last.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values;

    private CommandLine(Dictionary<string, List<string>> values) => _values = values;

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? switches = null)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg, value;
            int eq = arg.IndexOf('=');
            if (eq > 0) name = arg[..eq];
            if (switches?.Contains(name) == true) { values[name] = ["true"]; continue; }
            if (!known.Contains(name)) throw new ArgumentException($"unknown option '{name}'; known: {string.Join(", ", known.Concat(switches ?? []))}");
            if (eq > 0) value = arg[(eq + 1)..];
            else if (i + 1 < args.Count) value = args[++i];
            else throw new ArgumentException($"option '{name}' needs a value");
            if (values.TryGetValue(name, out var list)) list.Add(value);
            else values[name] = [value];
        }
        return new CommandLine(values);
    }

    /// <summary>Values from a config file fill the options the command line did not set.</summary>
    public CommandLine WithDefaults(IReadOnlyDictionary<string, string> defaults, IReadOnlyCollection<string> known)
    {
        var merged = new Dictionary<string, List<string>>(_values, StringComparer.Ordinal);
        foreach (var (name, value) in defaults)
        {
            if (!known.Contains(name)) throw new ArgumentException($"unknown setting '{name[2..]}' in the config file; known: {string.Join(", ", known.Select(k => k[2..]))}");
            merged.TryAdd(name, [value]);
        }
        return new CommandLine(merged);
    }

    public string? Get(string name) => _values.TryGetValue(name, out var values) ? values[^1] : null;

    /// <summary>Every value of a repeatable flag, in order.</summary>
    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var values) ? values : [];

    public bool Has(string name) => _values.ContainsKey(name);

    public int? GetInt(string name) =>
        Get(name) is { } v ? (int.TryParse(v, out int i) ? i : throw new ArgumentException($"option '{name}' needs an integer, got '{v}'")) : null;

    public double? GetDouble(string name) =>
        Get(name) is { } v ? (double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
            ? d : throw new ArgumentException($"option '{name}' needs a number, got '{v}'")) : null;
}
