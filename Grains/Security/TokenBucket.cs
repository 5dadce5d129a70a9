using Cluster.Contracts.Security;

namespace Cluster.Grains.Security;

/// <summary>
/// A budget of <c>capacity</c> units that refills continuously at <c>capacity</c> per minute (OpenAI's limits
/// replenish this way, so a key at its limit gets one more request after 60/limit seconds rather than waiting for a
/// window to roll over). The level may go below zero: tokens are charged after a response, and a charge larger than
/// what was left is a debt the key waits out.
/// </summary>
internal sealed class TokenBucket
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private double _level;
    private TimeSpan _at;

    public int Capacity { get; private set; }

    private double PerSecond => Capacity / Period.TotalSeconds;

    public double Level => _level;

    /// <summary>Refills for the time since the last call, under <paramref name="capacity"/> (a changed limit applies from now on).</summary>
    public void Refill(int capacity, TimeSpan now)
    {
        if (Capacity == 0)
        {
            // First use: a key starts with its whole budget.
            _level = capacity;
        }
        else
        {
            _level = Math.Min(Capacity, _level + (now - _at).TotalSeconds * PerSecond);
        }
        Capacity = capacity;
        _level = Math.Min(_level, capacity);
        _at = now;
    }

    public void Take(double amount) => _level -= amount;

    /// <summary>How long until the level reaches <paramref name="level"/> (zero when it is there).</summary>
    public TimeSpan TimeUntil(double level) => _level >= level || Capacity == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((level - _level) / PerSecond);

    /// <summary>The figures OpenAI's <c>x-ratelimit-*</c> headers report: the limit, what is left, when it is full again.</summary>
    public RateLimitBudget Budget => new(Capacity, (int)Math.Max(0, Math.Floor(_level)), TimeUntil(Capacity));
}
