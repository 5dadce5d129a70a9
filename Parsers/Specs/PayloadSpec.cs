namespace Cluster.Parsers.Specs;

/// <summary>How one call is written. Which fields apply depends on <see cref="Kind"/> (see <see cref="PayloadKinds"/>).</summary>
public sealed record PayloadSpec
{
    /// <summary>One of <see cref="PayloadKinds"/>.</summary>
    public required string Kind { get; init; }

    // ---- json_object ----

    /// <summary>Keys that hold the function name.</summary>
    public string[] NameFields { get; init; } = ["name"];

    /// <summary>Keys that hold the arguments.</summary>
    public string[] ArgumentsFields { get; init; } = ["arguments", "parameters"];

    /// <summary>Keys that hold a model-supplied call id.</summary>
    public string[] IdFields { get; init; } = [];

    /// <summary>Each call is a one-key object <c>{"NAME": {arguments}}</c>.</summary>
    public bool NameKeyed { get; init; }

    // ---- name_then_json, relaxed_object, tagged_parameters ----

    /// <summary>Literal text before the name (e.g. <c>function&lt;｜tool▁sep｜&gt;</c>, <c>call:</c>).</summary>
    public string? NamePrefix { get; init; }

    /// <summary>Markers that end the name. A terminator equal to the arguments' first character (<c>{</c>) is left to the arguments.</summary>
    public string[] NameTerminators { get; init; } = [];

    /// <summary>Marker between the name and a model-supplied id (Mistral's <c>[CALL_ID]</c>).</summary>
    public string? IdMarker { get; init; }

    /// <summary>Marker before the arguments (Mistral's <c>[ARGS]</c>), optional in the text.</summary>
    public string? ArgumentsMarker { get; init; }

    /// <summary>Optional literal text before the arguments JSON (e.g. a <c>```json</c> fence).</summary>
    public string? ArgumentsPrefix { get; init; }

    /// <summary>The name token is a native id such as <c>functions.get_weather:0</c>: it becomes the call id and the
    /// name is what lies between this prefix (optional in the text) and the last <c>:</c>, which must be followed by digits.</summary>
    public string? NameFromIdPrefix { get; init; }

    /// <summary>Names that introduce plain text rather than a call (Functionary v3.2's <c>all</c>).</summary>
    public string[] ContentNames { get; init; } = [];

    // ---- tagged_parameters ----

    /// <summary>Text that opens a function (e.g. <c>&lt;function=</c>, <c>&lt;invoke name="</c>); null: the name starts the call.</summary>
    public string? FunctionStart { get; init; }

    /// <summary>Skip any text before <see cref="FunctionStart"/> (for formats that repeat the name in a preamble).</summary>
    public bool SkipToFunctionStart { get; init; }

    /// <summary>Text that closes a function; null: the call ends with the section.</summary>
    public string? FunctionEnd { get; init; }

    /// <summary>Text that opens a parameter and precedes its name.</summary>
    public string? ParameterStart { get; init; }

    /// <summary>Text that ends a parameter's name.</summary>
    public string? ParameterNameEnd { get; init; }

    /// <summary>Text that ends the parameter header after the name (attributes may come between); null: the name end does.</summary>
    public string? ParameterHeaderEnd { get; init; }

    /// <summary>Text that closes a parameter value.</summary>
    public string? ParameterEnd { get; init; }

    /// <summary>Header attribute text marking the value as JSON rather than a string (DSML's <c>string="false"</c>).</summary>
    public string? JsonValueAttribute { get; init; }

    /// <summary>Whitespace removed around string values: <c>none</c>, <c>newline</c> (one leading and one trailing newline) or <c>whitespace</c>.</summary>
    public string StringTrim { get; init; } = "none";

    // ---- pythonic, relaxed_object ----

    /// <summary>String quote tokens (Python: <c>'</c> and <c>"</c>; Gemma 4: <c>&lt;|"|&gt;</c>).</summary>
    public string[] StringQuotes { get; init; } = ["'", "\""];

    /// <summary>Quoted values that read as numbers or booleans become numbers or booleans (FunctionGemma).</summary>
    public bool CoerceQuotedScalars { get; init; }
}
