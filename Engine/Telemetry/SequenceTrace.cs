using System.Diagnostics;

namespace Cluster.Engine.Telemetry;

/// <summary>
/// One sequence's phases as trace spans. The engine's device thread has no request context of its own, so the caller's
/// context is captured at submission and each phase's start is recorded as it happens; when the sequence ends, the
/// queue-wait, prefill and decode spans are emitted under that parent with those explicit times. Created only when
/// someone listens to <see cref="EngineTelemetry.Source"/> and the caller is traced: otherwise a sequence carries null and
/// the engine does no tracing work at all.
/// </summary>
internal sealed class SequenceTrace
{
    private readonly ActivityContext _parent;
    private readonly string _model;
    private readonly DateTime _submitted = DateTime.UtcNow;
    private DateTime? _admitted;
    private DateTime? _firstToken;
    private bool _ended;

    private SequenceTrace(ActivityContext parent, string model)
    {
        _parent = parent;
        _model = model;
    }

    /// <summary>The finish reason once known (stop, length, error); a sequence that ends without one was cancelled.</summary>
    public string? Finish { get; set; }

    /// <summary>A trace for a sequence submitted now from the calling context, or null when there is nothing to trace.</summary>
    public static SequenceTrace? Capture(string model) =>
        EngineTelemetry.Source.HasListeners() && Activity.Current is { Recorded: true } current ? new SequenceTrace(current.Context, model) : null;

    /// <summary>First admission into the running batch (re-admissions after a preemption count as decode time).</summary>
    public void Admitted() => _admitted ??= DateTime.UtcNow;

    public void FirstToken() => _firstToken ??= DateTime.UtcNow;

    /// <summary>Emits the spans of the phases the sequence went through; once.</summary>
    public void End(int promptTokens, int? cachedPromptTokens, int generated, int preemptions)
    {
        if (_ended) return;
        _ended = true;
        var now = DateTime.UtcNow;
        string finish = Finish ?? "cancelled";
        Span("engine.queue", _submitted, _admitted ?? now, null);
        if (_admitted is not { } admitted) return;
        Span("engine.prefill", admitted, _firstToken ?? now, a =>
        {
            a.SetTag("gen_ai.usage.input_tokens", promptTokens);
            a.SetTag("cluster.prompt.cached_tokens", cachedPromptTokens ?? 0);
        });
        if (_firstToken is not { } first) return;
        Span("engine.decode", first, now, a =>
        {
            a.SetTag("gen_ai.usage.output_tokens", generated);
            a.SetTag("cluster.preemptions", preemptions);
        });

        void Span(string name, DateTime start, DateTime end, Action<Activity>? tags)
        {
            using var span = EngineTelemetry.Source.StartActivity(name, ActivityKind.Internal, _parent, startTime: start);
            if (span is null) return;
            span.SetTag("gen_ai.request.model", _model);
            span.SetTag("gen_ai.response.finish_reasons", finish);
            tags?.Invoke(span);
            span.SetEndTime(end);
        }
    }
}
