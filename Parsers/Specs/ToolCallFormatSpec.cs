using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Parsers.Specs;

/// <summary>
/// The declarative definition of one model family's tool-call format (one <c>Formats/*.json</c> file). The shared
/// streaming engine reads it; a new model needs only such a file. JSON property names are snake_case.
/// </summary>
public sealed record ToolCallFormatSpec
{
    /// <summary>The parser name (as vLLM's <c>--tool-call-parser</c> spells it).</summary>
    public required string Name { get; init; }

    /// <summary>Other names that select this format.</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>The model families that emit this format.</summary>
    public string? Description { get; init; }

    /// <summary>A sample model output with one or more calls (documentation and tests).</summary>
    public string? Example { get; init; }

    /// <summary>The ways a tool-call section can open. At least one.</summary>
    public SectionSpec[] Sections { get; init; } = [];

    /// <summary>How calls are delimited inside a section.</summary>
    public CallSpec Call { get; init; } = new();

    /// <summary>How one call is written.</summary>
    public required PayloadSpec Payload { get; init; }

    /// <summary>How call ids are made when the payload carries none: <c>openai</c> (<c>call_</c> + 24 alphanumerics)
    /// or <c>mistral</c> (9 alphanumerics).</summary>
    public string IdStyle { get; init; } = "openai";

    /// <summary>Special tokens removed from content wherever they appear (e.g. <c>&lt;/s&gt;</c>).</summary>
    public string[] StrippedMarkers { get; init; } = [];

    /// <summary>Markup spans removed from content: from <see cref="StrippedSpanSpec.Start"/> through <see cref="StrippedSpanSpec.End"/>.</summary>
    public StrippedSpanSpec[] StrippedSpans { get; init; } = [];

    /// <summary>A reasoning block the format itself defines (composed in front of the tool parser).</summary>
    public Reasoning.ReasoningFormatSpec? Reasoning { get; init; }

    /// <summary>Reject calls to functions the request did not offer (when it offered any).</summary>
    public bool RejectUnknownTools { get; init; }

    /// <summary>Serializer settings for spec files.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Parses a spec file's text; throws <see cref="JsonException"/> or <see cref="ArgumentException"/> when invalid.</summary>
    public static ToolCallFormatSpec FromJson(string json)
    {
        var spec = JsonSerializer.Deserialize<ToolCallFormatSpec>(json, JsonOptions)
            ?? throw new JsonException("The spec is empty.");
        spec.Validate();
        return spec;
    }

    /// <summary>Checks the spec's internal consistency.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("A format spec needs a name.");
        }
        if (Sections.Length == 0)
        {
            throw new ArgumentException($"Format '{Name}' defines no sections.");
        }
        foreach (var s in Sections)
        {
            if (string.IsNullOrEmpty(s.Start))
            {
                throw new ArgumentException($"Format '{Name}' has a section without a start marker.");
            }
        }
        if (!PayloadKinds.All.Contains(Payload.Kind))
        {
            throw new ArgumentException($"Format '{Name}': unknown payload kind '{Payload.Kind}' (known: {string.Join(", ", PayloadKinds.All)}).");
        }
        if (Call.List?.Item is { } item && !PayloadKinds.All.Contains(item.Kind))
        {
            throw new ArgumentException($"Format '{Name}': unknown list item kind '{item.Kind}'.");
        }
        if (IdStyle is not ("openai" or "mistral"))
        {
            throw new ArgumentException($"Format '{Name}': unknown id_style '{IdStyle}' (openai or mistral).");
        }
        if (Payload.StringTrim is not ("none" or "newline" or "whitespace"))
        {
            throw new ArgumentException($"Format '{Name}': unknown string_trim '{Payload.StringTrim}' (none, newline or whitespace).");
        }
        if (Payload.Kind == PayloadKinds.TaggedParameters && (Payload.ParameterStart is null || Payload.ParameterNameEnd is null || Payload.ParameterEnd is null))
        {
            throw new ArgumentException($"Format '{Name}': tagged_parameters needs parameter_start, parameter_name_end and parameter_end.");
        }
    }
}

/// <summary>How a tool-call section opens and closes.</summary>
public sealed record SectionSpec
{
    /// <summary>The opening marker.</summary>
    public required string Start { get; init; }

    /// <summary>The closing marker; null when the section ends with its last call.</summary>
    public string? End { get; init; }

    /// <summary>The start marker is the payload's own first text (a bare <c>{</c> or <c>[</c>, <c>&lt;function=</c>):
    /// it is handed to the payload reader instead of being consumed.</summary>
    public bool StartIsPayload { get; init; }

    /// <summary>Plain text could also open this way: the section is held back until the payload is certainly a call,
    /// and released as content if it is not.</summary>
    public bool Speculative { get; init; }

    /// <summary>At most this many calls per section (0: unlimited).</summary>
    public int MaxCalls { get; init; }
}

/// <summary>Delimiters of the calls inside a section.</summary>
public sealed record CallSpec
{
    /// <summary>Marker before each call (e.g. Kimi's <c>&lt;|tool_call_begin|&gt;</c>).</summary>
    public string? Start { get; init; }

    /// <summary>Marker after each call.</summary>
    public string? End { get; init; }

    /// <summary>Characters allowed between calls besides whitespace (e.g. <c>;</c>).</summary>
    public string Separators { get; init; } = "";

    /// <summary>Tokens ignored between calls (e.g. the closing fence of a fenced JSON block).</summary>
    public string[] IgnoredTokens { get; init; } = [];

    /// <summary>The calls are wrapped in a bracketed list.</summary>
    public ListSpec? List { get; init; }
}

/// <summary>A bracketed list of calls, such as <c>[{…}, {…}]</c> or <c>[f(), g()]</c>.</summary>
public sealed record ListSpec
{
    /// <summary>Opening bracket.</summary>
    public char Open { get; init; } = '[';

    /// <summary>Closing bracket.</summary>
    public char Close { get; init; } = ']';

    /// <summary>Item separator.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>When true a section may also hold a single unbracketed call written as <see cref="ToolCallFormatSpec.Payload"/>.</summary>
    public bool Optional { get; init; }

    /// <summary>How items are written, when different from <see cref="ToolCallFormatSpec.Payload"/>.</summary>
    public PayloadSpec? Item { get; init; }
}

/// <summary>Removed markup such as Command A's citation closers <c>&lt;/co: 0:[1]&gt;</c>.</summary>
public sealed record StrippedSpanSpec(string Start, string End);

/// <summary>The payload kinds the engine knows.</summary>
public static class PayloadKinds
{
    /// <summary><c>{"name": …, "arguments": {…}}</c>; field names configurable.</summary>
    public const string JsonObject = "json_object";
    /// <summary>A function name, optional id, then a JSON arguments object.</summary>
    public const string NameThenJson = "name_then_json";
    /// <summary><c>name(key=value, …)</c> with Python literals.</summary>
    public const string Pythonic = "pythonic";
    /// <summary>XML-ish tags: a function name and key/value parameters with raw-text values typed by schema.</summary>
    public const string TaggedParameters = "tagged_parameters";
    /// <summary><c>call:name{key:value,…}</c> with bare keys and custom string quotes (Gemma).</summary>
    public const string RelaxedObject = "relaxed_object";

    /// <summary>All kinds.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string> { JsonObject, NameThenJson, Pythonic, TaggedParameters, RelaxedObject };
}
