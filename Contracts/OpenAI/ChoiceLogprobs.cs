namespace Cluster.Contracts.OpenAI;

/// <summary>OpenAI's <c>choices[].logprobs</c>: one entry per generated token.</summary>
[GenerateSerializer, Immutable, Alias("cluster.choice-logprobs")]
public sealed record ChoiceLogprobs([property: Id(0)] TokenLogprobInfo[] Content);

/// <summary>A generated token, its log-probability, its UTF-8 bytes, and the most likely alternatives.</summary>
[GenerateSerializer, Immutable, Alias("cluster.token-logprob-info")]
public sealed record TokenLogprobInfo(
    [property: Id(0)] string Token,
    [property: Id(1)] float Logprob,
    [property: Id(2)] int[] Bytes,
    [property: Id(3)] TopLogprob[] TopLogprobs);

[GenerateSerializer, Immutable, Alias("cluster.top-logprob")]
public sealed record TopLogprob([property: Id(0)] string Token, [property: Id(1)] float Logprob, [property: Id(2)] int[] Bytes);

/// <summary>
/// Extension field <c>tool_parse</c> on a choice: which tool-call parser read the output and how it went
/// (<c>ok</c>, <c>repaired</c>, <c>failed</c>), with machine-readable errors. Present only when a parser ran.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.tool-parse-report")]
public sealed record ToolParseReport(
    [property: Id(0)] string Parser,
    [property: Id(1)] string Status,
    [property: Id(2)] ToolParseError[] Errors);

[GenerateSerializer, Immutable, Alias("cluster.tool-parse-error")]
public sealed record ToolParseError([property: Id(0)] string Code, [property: Id(1)] string Message);
