namespace Cluster.Contracts.Security;

/// <summary>An API key's limits per minute; null means no limit of that kind.</summary>
[GenerateSerializer, Immutable, Alias("cluster.rate-limits")]
public sealed record RateLimits(
    [property: Id(0)] int? RequestsPerMinute,
    [property: Id(1)] int? TokensPerMinute)
{
    public static readonly RateLimits None = new(null, null);

    public bool Any => RequestsPerMinute is not null || TokensPerMinute is not null;
}

/// <summary>One limit's state after a request was admitted or refused: OpenAI's <c>x-ratelimit-*</c> figures.</summary>
/// <param name="Limit">The limit per minute.</param>
/// <param name="Remaining">What is left now (never negative).</param>
/// <param name="Reset">How long until the budget is full again.</param>
[GenerateSerializer, Immutable, Alias("cluster.rate-limit-budget")]
public sealed record RateLimitBudget(
    [property: Id(0)] int Limit,
    [property: Id(1)] int Remaining,
    [property: Id(2)] TimeSpan Reset);

/// <summary>
/// The answer to <see cref="IRateLimitGrain.AcquireAsync"/>: admitted or refused, which limit refused it
/// (<c>requests</c> or <c>tokens</c>, OpenAI's error types) and when to retry, and each configured limit's budget.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.rate-limit-decision")]
public sealed record RateLimitDecision(
    [property: Id(0)] string? RefusedBy,
    [property: Id(1)] TimeSpan RetryAfter,
    [property: Id(2)] RateLimitBudget? Requests,
    [property: Id(3)] RateLimitBudget? Tokens)
{
    public bool Admitted => RefusedBy is null;

    public const string RequestsLimit = "requests";

    public const string TokensLimit = "tokens";
}
