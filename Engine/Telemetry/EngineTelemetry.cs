using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cluster.Engine.Telemetry;

/// <summary>
/// The engine's trace spans (queue wait, prefill, decode of each sequence) and its metrics (grammar mask time). Both
/// are static, named <see cref="Name"/>: hosts subscribe by name, and with no subscriber they cost nothing.
/// </summary>
public static class EngineTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> name.</summary>
    public const string Name = "Cluster.Engine";

    /// <summary>Buckets for work measured in micro- to milliseconds (masks, grammar compiles): 10 µs to 10 s. Declared
    /// before the instruments that use it: static fields initialize in textual order.</summary>
    public static readonly double[] ShortDurationBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

    internal static readonly ActivitySource Source = new(Name);

    internal static readonly Meter Meter = new(Name);

    /// <summary>
    /// Per engine step with constrained rows: the time spent writing the rows' allowed-token bitmasks and applying
    /// them to the logits. Recorded only for steps that have a constraint, so unconstrained serving costs nothing.
    /// </summary>
    internal static readonly Histogram<double> MaskSeconds = Meter.CreateHistogram<double>(
        "cluster_constraint_mask_seconds", "s", "Time an engine step spent computing and applying grammar masks (constrained decoding).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ShortDurationBuckets });

    /// <summary>The label every engine measurement carries: the served model name, as vLLM labels its metrics.</summary>
    internal static KeyValuePair<string, object?> ModelLabel(string model) => new("model_name", model);
}
