using System.Text.Json;
using Cluster.Gateway.Hosting;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Cluster.Gateway.Security;

/// <summary>
/// CORS as vLLM's <c>--allowed-origins</c>, <c>--allowed-methods</c>, <c>--allowed-headers</c> and
/// <c>--allow-credentials</c> set it; <c>*</c> allows any. Served by ASP.NET Core's CORS middleware, which answers
/// preflight requests itself (before any API key is asked for: browsers send preflights without credentials).
/// </summary>
public sealed record CorsSettings(IReadOnlyList<string> Origins, IReadOnlyList<string> Methods, IReadOnlyList<string> Headers, bool AllowCredentials = false)
{
    /// <summary>Response headers a browser script may read: the request id and the rate-limit figures.</summary>
    private static readonly string[] ExposedHeaders =
    [
        RequestIds.Header, "retry-after",
        RateLimitHeaders.LimitRequests, RateLimitHeaders.RemainingRequests, RateLimitHeaders.ResetRequests,
        RateLimitHeaders.LimitTokens, RateLimitHeaders.RemainingTokens, RateLimitHeaders.ResetTokens,
    ];

    /// <summary>
    /// A list flag's value in either form vLLM users write: a JSON list (<c>["https://a.example", "https://b.example"]</c>,
    /// vLLM's own form) or comma-separated (<c>https://a.example,https://b.example</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Malformed JSON, or a list with no entries.</exception>
    public static IReadOnlyList<string> ParseList(string flag, string value)
    {
        string text = value.Trim();
        string[] items;
        if (text.StartsWith('['))
        {
            try
            {
                items = JsonSerializer.Deserialize<string[]>(text) ?? [];
            }
            catch (JsonException)
            {
                throw new ArgumentException($"{flag} must be a JSON list of strings or a comma-separated list, got '{value}'");
            }
        }
        else
        {
            items = text.Split(',');
        }
        var list = items.Select(i => i.Trim()).Where(i => i.Length > 0).ToArray();
        return list.Length > 0 ? list : throw new ArgumentException($"{flag} lists nothing");
    }

    public void Apply(CorsPolicyBuilder policy)
    {
        if (Origins.Contains("*")) policy.AllowAnyOrigin();
        else policy.WithOrigins([.. Origins]);
        if (Methods.Contains("*")) policy.AllowAnyMethod();
        else policy.WithMethods([.. Methods]);
        if (Headers.Contains("*")) policy.AllowAnyHeader();
        else policy.WithHeaders([.. Headers]);
        if (AllowCredentials) policy.AllowCredentials();
        policy.WithExposedHeaders(ExposedHeaders);
    }
}
