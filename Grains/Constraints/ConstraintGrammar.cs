using System.Text.Json.Nodes;
using Cluster.Constraints;
using Cluster.Contracts.Generation;
using Cluster.Contracts.Requests;
using Cluster.Grains.Hosting;
using Cluster.Grains.Telemetry;

namespace Cluster.Grains.Constraints;

/// <summary>Turns a request's <see cref="GenerationConstraint"/> into a compiled grammar for the model's vocabulary.</summary>
public static class ConstraintGrammar
{
    /// <summary>Name of the generic JSON-array tool-call format (vLLM's <c>required</c> path), used where a format cannot be derived.</summary>
    public const string JsonArrayFormat = "json_array";

    /// <summary>
    /// Compiles <paramref name="constraint"/> for the model's vocabulary (cached per vocabulary, so the session's
    /// compile before the first byte and the model grain's compile for the sequence are one piece of work).
    /// </summary>
    /// <exception cref="RequestRejectedException">The constraint cannot be enforced (an unsupported schema keyword or regex
    /// feature, a grammar no output satisfies, a compile limit); the param is the request field it came from.</exception>
    public static CompiledGrammar Compile(ModelFrontend model, GenerationConstraint constraint)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var compiled = GrammarCompiler.CompileOrReuse(Build(model, constraint), model.ConstraintVocabulary, out bool cached);
            GrainTelemetry.RecordCompile(model.Name, constraint.Kind, cached, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return compiled;
        }
        catch (UnsupportedSchemaException e)
        {
            throw RequestRejection.Invalid(FieldPath(constraint, e), $"{e.Message} Constrained decoding cannot enforce it; remove it or set strict to false.").ToException();
        }
        catch (GrammarException e)
        {
            // Unsupported regex features, compile limits, grammars no output satisfies, unknown special tokens.
            throw RequestRejection.Invalid(FieldPath(constraint, e), e.Message).ToException();
        }
    }

    /// <summary>
    /// The request field at fault: the constraint's source, extended by the schema pointer when the constraint is one
    /// JSON schema (<c>response_format.json_schema.schema.items.properties.a</c>). Tool-call grammars combine several
    /// schemas, so their pointer stays in the message.
    /// </summary>
    private static string FieldPath(GenerationConstraint constraint, GrammarException e)
    {
        if (constraint.Kind != ConstraintKind.JsonSchema || string.IsNullOrEmpty(e.SchemaPointer)) return constraint.Source;
        var segments = e.SchemaPointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .Select(p => p.All(char.IsAsciiDigit) ? $"[{p}]" : "." + p);
        return constraint.Source + string.Concat(segments);
    }

    /// <summary>A fresh matcher for one sequence; see <see cref="Compile"/>.</summary>
    public static TokenMatcher CreateMatcher(ModelFrontend model, GenerationConstraint constraint) => Compile(model, constraint).CreateMatcher();

    private static Grammar Build(ModelFrontend model, GenerationConstraint c)
    {
        var options = JsonSchemaOptions.Default with { Strict = c.Strict };
        Grammar body = c.Kind switch
        {
            ConstraintKind.JsonSchema => Grammar.JsonSchema(JsonNode.Parse(c.Schema ?? "true"), options),
            ConstraintKind.JsonObject => Grammar.JsonObject(options),
            ConstraintKind.Regex => Grammar.Regex(c.Pattern ?? ""),
            ConstraintKind.Choice => Grammar.Choice(c.Choices ?? []),
            ConstraintKind.ToolCalls => ToolCalls(model, c, options),
            _ => throw new InvalidOperationException($"Unknown constraint kind {c.Kind}."),
        };
        if (c.AfterReasoningEnd is { } end)
            body = Grammar.Sequence(Grammar.FreeText(end), Grammar.Marker(end), Grammar.Regex("\\n{0,2}"), body);
        return body;
    }

    private static Grammar ToolCalls(ModelFrontend model, GenerationConstraint c, JsonSchemaOptions options)
    {
        var spec = model.Format.Parsers.FindSpec(c.ToolCallFormat ?? JsonArrayFormat)
            ?? throw RequestRejection.Invalid(c.Source, $"Tool-call format '{c.ToolCallFormat}' has no spec to generate from.").ToException();
        var calls = ToolCallGrammar.TryBuild(spec, c.Tools, c.MinCalls, c.MaxCalls, options)
            ?? throw RequestRejection.Invalid(c.Source, $"Tool calls of format '{spec.Name}' cannot be generated under constraint.").ToException();
        if (!c.Lazy) return calls;
        var triggers = spec.Sections.Select(s => s.Start).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        return Grammar.Lazy(triggers, calls);
    }
}
