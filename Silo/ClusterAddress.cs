using StackExchange.Redis;

namespace Cluster.Silo;

/// <summary>
/// <c>--cluster redis://[user:password@]HOST:PORT[/DB]</c>: where a multi-process cluster keeps its membership, its
/// sessions and its replica registry. Every silo and gateway of one cluster names the same Redis and cluster id.
/// </summary>
public sealed record ClusterAddress(string Uri, ConfigurationOptions Redis)
{
    /// <exception cref="ArgumentException">Not a <c>redis://</c> address.</exception>
    public static ClusterAddress Parse(string value)
    {
        if (!System.Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"--cluster must be redis://HOST:PORT (got '{value}')");
        var options = new ConfigurationOptions
        {
            Ssl = uri.Scheme == "rediss",
            // Membership must come back by itself after Redis restarts or fails over.
            AbortOnConnectFail = false,
        };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo is { Length: > 0 } user)
        {
            var parts = System.Uri.UnescapeDataString(user).Split(':', 2);
            if (parts.Length == 2)
            {
                if (parts[0].Length > 0) options.User = parts[0];
                options.Password = parts[1];
            }
            else options.Password = parts[0];
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db)
            options.DefaultDatabase = int.TryParse(db, out int n) ? n : throw new ArgumentException($"--cluster: '{db}' is not a Redis database number");
        return new ClusterAddress(value, options);
    }
}
