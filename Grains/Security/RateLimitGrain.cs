using Cluster.Contracts.Security;

namespace Cluster.Grains.Security;

/// <summary>
/// One API key's request and token budgets (see <see cref="IRateLimitGrain"/>). Held in memory: the activation is
/// the single place every gateway counts against, and if its silo dies the key simply starts again with full budgets.
/// </summary>
public sealed class RateLimitGrain : Grain, IRateLimitGrain
{
    private readonly TokenBucket _requests = new();
    private readonly TokenBucket _tokens = new();
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly long _activated = TimeProvider.System.GetTimestamp();

    /// <summary>Monotonic time since activation (wall-clock jumps do not refill or drain budgets).</summary>
    private TimeSpan Now => _time.GetElapsedTime(_activated);

    public Task<RateLimitDecision> AcquireAsync(RateLimits limits)
    {
        var now = Now;
        if (limits.RequestsPerMinute is int rpm) _requests.Refill(rpm, now);
        if (limits.TokensPerMinute is int tpm) _tokens.Refill(tpm, now);
        // A request needs one request slot and a token budget that is not spent; it is counted only when admitted.
        string? refusedBy = null;
        var retryAfter = TimeSpan.Zero;
        if (limits.RequestsPerMinute is not null && _requests.Level < 1)
        {
            refusedBy = RateLimitDecision.RequestsLimit;
            retryAfter = _requests.TimeUntil(1);
        }
        else if (limits.TokensPerMinute is not null && _tokens.Level < 1)
        {
            refusedBy = RateLimitDecision.TokensLimit;
            retryAfter = _tokens.TimeUntil(1);
        }
        if (refusedBy is null && limits.RequestsPerMinute is not null) _requests.Take(1);
        return Task.FromResult(new RateLimitDecision(refusedBy, retryAfter,
            limits.RequestsPerMinute is null ? null : _requests.Budget,
            limits.TokensPerMinute is null ? null : _tokens.Budget));
    }

    public Task ChargeAsync(int tokens)
    {
        if (_tokens.Capacity > 0 && tokens > 0)
        {
            _tokens.Refill(_tokens.Capacity, Now);
            _tokens.Take(tokens);
        }
        return Task.CompletedTask;
    }
}
