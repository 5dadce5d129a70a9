using Cluster.Contracts.Security;
using Cluster.Gateway.Apis;

namespace Cluster.Gateway.Security;

/// <summary>Why <see cref="ApiAccess"/> refused a request: a missing or wrong key (401) or a spent rate limit (429), in OpenAI's words.</summary>
public sealed record ApiRefusal(int Status, OpenAIError Error)
{
    public static readonly ApiRefusal MissingKey = new(401, new OpenAIError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error", null, "invalid_api_key"));

    /// <summary>The message quotes no part of the key (OpenAI's shows a masked one): nothing about keys leaves the gateway.</summary>
    public static readonly ApiRefusal WrongKey = new(401, new OpenAIError("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key"));

    /// <summary>OpenAI's 429: <c>type</c> names the spent limit (<c>requests</c> or <c>tokens</c>), <c>code</c> is <c>rate_limit_exceeded</c>.</summary>
    public static ApiRefusal RateLimited(RateLimitDecision decision)
    {
        bool requests = decision.RefusedBy == RateLimitDecision.RequestsLimit;
        var budget = (requests ? decision.Requests : decision.Tokens)!;
        string what = requests ? "requests per minute (RPM)" : "tokens per minute (TPM)";
        return new ApiRefusal(429, new OpenAIError(
            $"Rate limit reached for {what}: Limit {budget.Limit}, Remaining {budget.Remaining}. Please try again in {RateLimitHeaders.Duration(decision.RetryAfter)}.",
            decision.RefusedBy!, null, "rate_limit_exceeded"));
    }

    public RequestValidationException ToException() => new(Status, Error.Message, Error.Param, Error.Code, Error.Type);
}
