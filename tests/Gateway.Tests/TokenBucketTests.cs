using Cluster.Grains.Security;

namespace Cluster.Gateway.Tests;

/// <summary>The rate-limit grain's budget arithmetic: continuous refill at the limit per minute, debts, and the headers' figures.</summary>
public sealed class TokenBucketTests
{
    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_budget_starts_full_and_refills_at_its_limit_per_minute()
    {
        var bucket = new TokenBucket();
        bucket.Refill(60, At(100));
        Assert.Equal(60, bucket.Level);
        bucket.Take(60);
        Assert.Equal(TimeSpan.FromSeconds(1), bucket.TimeUntil(1));
        Assert.Equal(TimeSpan.FromSeconds(60), bucket.Budget.Reset);
        bucket.Refill(60, At(130));
        Assert.Equal(30, bucket.Level, 6);
        Assert.Equal(30, bucket.Budget.Remaining);
        // Never above the limit, however long it rests.
        bucket.Refill(60, At(1000));
        Assert.Equal(60, bucket.Level);
        Assert.Equal(TimeSpan.Zero, bucket.Budget.Reset);
    }

    [Fact]
    public void A_charge_beyond_the_budget_is_a_debt_waited_out_at_the_limits_rate()
    {
        var bucket = new TokenBucket();
        bucket.Refill(30, At(0));
        bucket.Take(100);
        Assert.Equal(-70, bucket.Level);
        Assert.Equal(0, bucket.Budget.Remaining);
        // 71 tokens to refill at half a token a second before one is available.
        Assert.Equal(142, bucket.TimeUntil(1).TotalSeconds, 6);
        Assert.Equal(200, bucket.Budget.Reset.TotalSeconds, 6);
    }

    [Fact]
    public void A_changed_limit_applies_from_now_on()
    {
        var bucket = new TokenBucket();
        bucket.Refill(10, At(0));
        bucket.Take(10);
        bucket.Refill(120, At(30)); // 5 refilled under the old limit, then the new rate
        Assert.Equal(5, bucket.Level, 6);
        bucket.Refill(2, At(30));
        Assert.Equal(2, bucket.Level, 6);
    }
}
