using System.Diagnostics.Metrics;
using Cluster.Silo.Telemetry;

namespace Cluster.Gateway.Telemetry;

/// <summary>
/// What a gateway measures of the requests it serves: vLLM's request-level metrics (time to first token, inter-token
/// latency, end-to-end latency, prompt and generation lengths, successes by finish reason), refusals, and open
/// streams. Measured where the request's output is seen whole, in the relays (see <see cref="RequestObserver"/>).
/// </summary>
public static class GatewayMetrics
{
    /// <summary>The <see cref="Meter"/> name.</summary>
    public const string Name = "Cluster.Gateway";

    private static readonly Meter Meter = new(Name);
    private const string P = ClusterTelemetry.VllmPrefix;

    // vLLM's bucket boundaries (vllm/v1/metrics/loggers.py), so its dashboards' quantiles read the same.
    internal static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>(P + "time_to_first_token_seconds", "s",
        "Time from the request reaching the gateway to its first generated output (streamed requests).", tags: null,
        advice: Buckets([0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]));

    internal static readonly Histogram<double> InterTokenLatency = Meter.CreateHistogram<double>(P + "inter_token_latency_seconds", "s",
        "Time between consecutive output deltas of a streamed request (a delta carries one token or a few).", tags: null,
        advice: Buckets([0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]));

    internal static readonly Histogram<double> EndToEndLatency = Meter.CreateHistogram<double>(P + "e2e_request_latency_seconds", "s",
        "Time from the request reaching the gateway to its last output, for requests that completed.", tags: null,
        advice: Buckets([0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]));

    internal static readonly Histogram<long> RequestPromptTokens = Meter.CreateHistogram<long>(P + "request_prompt_tokens", "{token}",
        "Prompt tokens of each completed request.", tags: null, advice: TokenBuckets());

    internal static readonly Histogram<long> RequestGenerationTokens = Meter.CreateHistogram<long>(P + "request_generation_tokens", "{token}",
        "Generated tokens of each completed request (all choices).", tags: null, advice: TokenBuckets());

    internal static readonly Counter<long> PromptTokens = Meter.CreateCounter<long>(P + "prompt_tokens_total", "{token}",
        "Prompt tokens of completed requests.");

    internal static readonly Counter<long> RequestSuccess = Meter.CreateCounter<long>(P + "request_success_total", "{choice}",
        "Completed choices by finish reason (one per request unless n > 1).");

    internal static readonly Counter<long> Rejected = Meter.CreateCounter<long>("cluster_rejected_requests_total", "{request}",
        "Requests answered with an error status before any output, by API, status, offending parameter and error code.");

    internal static readonly Counter<long> StreamErrors = Meter.CreateCounter<long>("cluster_stream_errors_total", "{request}",
        "Streams that ended with an error after they started, by API and error code.");

    internal static readonly UpDownCounter<long> StreamsOpen = Meter.CreateUpDownCounter<long>("cluster_streams_open", "{stream}",
        "Response streams open now, SSE and gRPC.");

    /// <summary>Counts a refusal. <paramref name="status"/> is the HTTP status (gRPC refusals count by the status their code stands for).</summary>
    internal static void RecordRejected(string api, int status, string? param, string? code)
    {
        var tags = new System.Diagnostics.TagList { { "api", api }, { "status", status.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        if (!string.IsNullOrEmpty(param)) tags.Add("param", ParamLabel(param));
        if (!string.IsNullOrEmpty(code)) tags.Add("code", code);
        Rejected.Add(1, tags);
    }

    /// <summary>
    /// A refused parameter as a label of bounded cardinality: array indices become <c>[]</c> and only the first three
    /// levels stay (deeper ones are paths inside a client's own JSON schema), so
    /// <c>tools[3].function.parameters.properties.city</c> counts as <c>tools[].function.parameters</c>.
    /// </summary>
    public static string ParamLabel(string param)
    {
        var general = System.Text.RegularExpressions.Regex.Replace(param, @"\[\d+\]", "[]");
        var levels = general.Split('.');
        return levels.Length <= 3 ? general : string.Join('.', levels.Take(3));
    }

    private static InstrumentAdvice<T> Buckets<T>(T[] boundaries) where T : struct => new() { HistogramBucketBoundaries = boundaries };

    /// <summary>vLLM's 1-2-5 series (it stops at the model's context length; here one set serves every model).</summary>
    private static InstrumentAdvice<long> TokenBuckets() =>
        Buckets(Enumerable.Range(0, 7).SelectMany(e => new long[] { 1, 2, 5 }.Select(m => m * (long)Math.Pow(10, e))).ToArray());
}
