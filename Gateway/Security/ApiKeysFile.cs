using System.Globalization;
using Cluster.Contracts.Security;

namespace Cluster.Gateway.Security;

/// <summary>
/// The <c>--api-keys-file</c> format: one key per line, optionally followed by settings for that key, separated by
/// spaces or tabs:
/// <code>
/// # comments and blank lines are ignored
/// sk-team-a-7f3c9e...   name=team-a  rpm=60  tpm=100000
/// sk-team-b-02d4aa...   name=team-b  rpm=0     # 0: no request limit for this key, whatever --rate-limit-rpm says
/// sk-ops-91bb0c...
/// </code>
/// <c>name</c> labels the key in logs (keys are never logged); <c>rpm</c> and <c>tpm</c> replace
/// <c>--rate-limit-rpm</c>/<c>--rate-limit-tpm</c> for that key. A key cannot contain whitespace or start with <c>#</c>.
/// Problems are reported by line number, never quoting a key.
/// </summary>
public static class ApiKeysFile
{
    /// <summary>The keys of a file's text, or the first problem in it.</summary>
    public static KeysFileContent Parse(string text, RateLimits defaults)
    {
        var keys = new List<ApiKey>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int n = 1; n <= lines.Length; n++)
        {
            string line = lines[n - 1];
            int comment = line.IndexOf(" #", StringComparison.Ordinal) is >= 0 and var c ? c : line.IndexOf("\t#", StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment];
            string[] fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#')) continue;
            string? name = null;
            int? rpm = defaults.RequestsPerMinute, tpm = defaults.TokensPerMinute;
            foreach (string setting in fields[1..])
            {
                int eq = setting.IndexOf('=');
                string key = eq > 0 ? setting[..eq] : setting, value = eq > 0 ? setting[(eq + 1)..] : "";
                switch (key)
                {
                    case "name" when value.Length > 0:
                        name = value;
                        break;
                    case "rpm" or "tpm":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int limit))
                            return KeysFileContent.Problem(n, $"'{key}' needs a whole number of at least 0 (0: no limit), got '{value}'");
                        if (key == "rpm") rpm = limit == 0 ? null : limit;
                        else tpm = limit == 0 ? null : limit;
                        break;
                    default:
                        return KeysFileContent.Problem(n, $"unknown setting '{key}' after the key (known: name=, rpm=, tpm=)");
                }
            }
            if (seen.TryGetValue(fields[0], out int first)) return KeysFileContent.Problem(n, $"the same key as line {first}");
            seen[fields[0]] = n;
            keys.Add(ApiKey.Create(fields[0], new RateLimits(rpm, tpm), name));
        }
        return new KeysFileContent(keys, null);
    }

    /// <summary>Reads and parses the file; an unreadable file is a problem like a malformed line.</summary>
    public static KeysFileContent Read(string path, RateLimits defaults)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new KeysFileContent([], $"cannot read it ({e.Message})");
        }
        return Parse(text, defaults);
    }
}

/// <summary>A keys file's keys, or (<see cref="Error"/> not null) why it could not be used.</summary>
public sealed record KeysFileContent(IReadOnlyList<ApiKey> Keys, string? Error)
{
    public static KeysFileContent Problem(int line, string message) => new([], $"line {line}: {message}");
}
