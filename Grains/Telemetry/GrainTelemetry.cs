using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Contracts.Generation;
using Cluster.Engine.Telemetry;

namespace Cluster.Grains.Telemetry;

/// <summary>
/// What the grains measure where the work happens, on the silo: spans of a session's turn, of a model grain's
/// generation and of a choice's output parsing, and the metrics of tool-call parsing and grammar compiles. Static and
/// named <see cref="Name"/>: the silo's host (or the co-hosted <c>serve</c> process) subscribes by name.
/// </summary>
public static class GrainTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> name.</summary>
    public const string Name = "Cluster.Grains";

    internal static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> ToolCallParses = Meter.CreateCounter<long>(
        "cluster_tool_call_parses_total", "{choice}", "Choices whose output went through a tool-call parser, by parser and outcome (ok, repaired, failed).");

    private static readonly Histogram<double> CompileSeconds = Meter.CreateHistogram<double>(
        "cluster_constraint_compile_seconds", "s", "Time to build and compile a request's output constraint into a token grammar (cached=true: found compiled).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EngineTelemetry.ShortDurationBuckets });

    /// <summary>A choice's tool-call parse outcome (<paramref name="status"/> is the report's: ok, repaired or failed).</summary>
    internal static void RecordToolParse(string model, string parser, string status) =>
        ToolCallParses.Add(1, new KeyValuePair<string, object?>("model_name", model), new("parser", parser), new("status", status));

    internal static void RecordCompile(string model, ConstraintKind kind, bool cached, TimeSpan elapsed) =>
        CompileSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("model_name", model),
            new("kind", kind.ToString().ToLowerInvariant()), new("cached", cached ? "true" : "false"));

    /// <summary>
    /// A span for a session turn, child of the incoming grain call. The caller makes it the current activity where the
    /// turn calls model grains (<see cref="MakeCurrent"/>), so that their spans nest under it.
    /// </summary>
    internal static Activity? StartTurn(string operation, string model, string session)
    {
        var span = Source.StartActivity(operation, ActivityKind.Internal);
        span?.SetTag("gen_ai.request.model", model);
        span?.SetTag("cluster.session.id", session);
        return span;
    }

    /// <summary>
    /// Makes <paramref name="span"/> the current activity from here on in this flow. Grain iterators resume under
    /// whichever Orleans call pulled them, so a turn re-enters its span before it calls a model grain.
    /// </summary>
    internal static void MakeCurrent(Activity? span)
    {
        if (span is not null) Activity.Current = span;
    }

    /// <summary>A model grain's generation of one sequence, on the replica's silo: the parent of the engine's spans.</summary>
    internal static Activity? StartGenerate(string model, string replica, int promptTokens)
    {
        var span = Source.StartActivity("model.generate", ActivityKind.Internal);
        span?.SetTag("gen_ai.request.model", model);
        span?.SetTag("cluster.replica", replica);
        span?.SetTag("gen_ai.usage.input_tokens", promptTokens);
        return span;
    }

    /// <summary>
    /// The output path of one choice (detokenizing, stop strings, reasoning and tool-call parsers), from its first token
    /// to its end, under the current activity. Parsing runs a little per token between the model's tokens, so the span
    /// covers that stretch and <c>cluster.parse.busy_ms</c> says how much of it was parsing work.
    /// </summary>
    internal static void EmitParse(DateTime start, TimeSpan busy, int tokens, ToolParseOutcome? parse)
    {
        if (!Source.HasListeners() || Activity.Current is null) return;
        using var span = Source.StartActivity("session.parse", ActivityKind.Internal, Activity.Current.Context, startTime: start);
        if (span is null) return;
        span.SetTag("cluster.parse.busy_ms", busy.TotalMilliseconds);
        span.SetTag("gen_ai.usage.output_tokens", tokens);
        if (parse is { } p)
        {
            span.SetTag("cluster.tool_parser", p.Parser);
            span.SetTag("cluster.tool_parse.status", p.Status);
            if (p.Status == "failed") span.SetStatus(ActivityStatusCode.Error, "tool-call parse failed");
        }
    }
}

/// <summary>A choice's tool-call parser and its outcome.</summary>
internal readonly record struct ToolParseOutcome(string Parser, string Status);
