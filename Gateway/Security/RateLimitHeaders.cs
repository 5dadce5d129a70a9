using System.Globalization;
using System.Text;
using Cluster.Contracts.Security;

namespace Cluster.Gateway.Security;

/// <summary>
/// OpenAI's rate-limit response headers: for each limit the key has, its size, what remains, and how long until it is
/// full again, written like OpenAI writes durations (<c>1s</c>, <c>6m0s</c>, <c>17ms</c>); plus <c>Retry-After</c>
/// (whole seconds) on a refusal.
/// </summary>
public static class RateLimitHeaders
{
    public const string LimitRequests = "x-ratelimit-limit-requests";
    public const string RemainingRequests = "x-ratelimit-remaining-requests";
    public const string ResetRequests = "x-ratelimit-reset-requests";
    public const string LimitTokens = "x-ratelimit-limit-tokens";
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";
    public const string ResetTokens = "x-ratelimit-reset-tokens";

    public static void Write(IHeaderDictionary headers, RateLimitDecision decision)
    {
        if (decision.Requests is { } requests) Write(headers, requests, LimitRequests, RemainingRequests, ResetRequests);
        if (decision.Tokens is { } tokens) Write(headers, tokens, LimitTokens, RemainingTokens, ResetTokens);
        if (!decision.Admitted) headers.RetryAfter = RetryAfterSeconds(decision.RetryAfter).ToString(CultureInfo.InvariantCulture);
    }

    private static void Write(IHeaderDictionary headers, RateLimitBudget budget, string limit, string remaining, string reset)
    {
        headers[limit] = budget.Limit.ToString(CultureInfo.InvariantCulture);
        headers[remaining] = budget.Remaining.ToString(CultureInfo.InvariantCulture);
        headers[reset] = Duration(budget.Reset);
    }

    /// <summary>Whole seconds, rounded up: retrying after them finds the budget refilled.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>A duration as OpenAI's headers write it (Go's notation): <c>0s</c>, <c>250ms</c>, <c>1.5s</c>, <c>6m0s</c>, <c>1h2m3s</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero) return "0s";
        if (span < TimeSpan.FromSeconds(1)) return Math.Max(1, (int)Math.Round(span.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
        span = TimeSpan.FromMilliseconds(Math.Round(span.TotalMilliseconds));
        var text = new StringBuilder();
        long hours = (long)span.TotalHours;
        if (hours > 0) text.Append(CultureInfo.InvariantCulture, $"{hours}h");
        if (hours > 0 || span.Minutes > 0) text.Append(CultureInfo.InvariantCulture, $"{span.Minutes}m");
        double seconds = span.Seconds + span.Milliseconds / 1000.0;
        text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        return text.ToString();
    }
}
