using System.Diagnostics;

namespace Cluster.Constraints;

/// <summary>
/// What one compilation may still spend against its <see cref="GrammarLimits"/>: the time left and the work counted so far. One per
/// compile; not thread-safe.
/// </summary>
internal sealed class CompilationBudget(GrammarLimits limits)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _ticks;

    public GrammarLimits Limits { get; } = limits;

    /// <summary>Schema objects compiled so far.</summary>
    public int SchemaExpansions { get; set; }

    /// <summary>A budget that never runs out of time, for callers without one (tests that parse a regex on its own).</summary>
    public static CompilationBudget Unlimited => new(GrammarLimits.Default with { CompileTimeout = Timeout.InfiniteTimeSpan });

    /// <summary>Counts one unit of work and, every so often, checks the clock (reading it each time would cost more than the work).</summary>
    public void Tick(string? schemaPointer)
    {
        if ((++_ticks & 1023) == 0) CheckTime(schemaPointer);
    }

    public void CheckTime(string? schemaPointer)
    {
        if (Limits.CompileTimeout == Timeout.InfiniteTimeSpan) return;
        if (Stopwatch.GetElapsedTime(_started) <= Limits.CompileTimeout) return;
        throw new GrammarLimitException(nameof(GrammarLimits.CompileTimeout), (long)Limits.CompileTimeout.TotalMilliseconds, schemaPointer, "the compile time (ms)");
    }
}
