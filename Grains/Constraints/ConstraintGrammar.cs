using System.Text.Json.Nodes;
using Cluster.Constraints;
using Cluster.Contracts.Generation;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Constraints;

/// <summary>Turns a request's <see cref="GenerationConstraint"/> into a compiled grammar for the model's vocabulary.</summary>
public static class ConstraintGrammar
{
    /// <summary>Name of the generic JSON-array tool-call format (vLLM's <c>required</c> path), used where a format cannot be derived.</summary>
    public const string JsonArrayFormat = "json_array";

    /// <exception cref="ArgumentException">The constraint cannot be enforced (unsupported schema keyword or regex feature);
    /// the parameter name is the request field it came from.</exception>
    public static TokenMatcher CreateMatcher(ServedModel model, GenerationConstraint constraint)
    {
        try
        {
            var grammar = Build(model, constraint);
            return GrammarCompiler.Compile(grammar, model.ConstraintVocabulary).CreateMatcher();
        }
        catch (UnsupportedSchemaException e)
        {
            throw new ArgumentException($"{e.Message} Constrained decoding cannot enforce it; remove it or set strict to false.", constraint.Source, e);
        }
        catch (UnsupportedRegexException e)
        {
            throw new ArgumentException(e.Message, constraint.Source, e);
        }
        catch (ArgumentException e) when (e.ParamName != constraint.Source)
        {
            // A grammar no output can satisfy (a false schema, an empty choice, an empty numeric range) or an unknown special token.
            throw new ArgumentException(e.Message, constraint.Source, e);
        }
    }

    private static Grammar Build(ServedModel model, GenerationConstraint c)
    {
        var options = JsonSchemaOptions.Default with { Strict = c.Strict };
        Grammar body = c.Kind switch
        {
            ConstraintKind.JsonSchema => Grammar.JsonSchema(JsonNode.Parse(c.Schema ?? "true"), options),
            ConstraintKind.JsonObject => Grammar.JsonObject(options),
            ConstraintKind.Regex => Grammar.Regex(c.Pattern ?? ""),
            ConstraintKind.Choice => Grammar.Choice(c.Choices ?? []),
            ConstraintKind.ToolCalls => ToolCalls(model, c, options),
            _ => throw new ArgumentException($"Unknown constraint kind {c.Kind}.", c.Source),
        };
        if (c.AfterReasoningEnd is { } end)
            body = Grammar.Sequence(Grammar.FreeText(end), Grammar.Marker(end), Grammar.Regex("\\n{0,2}"), body);
        return body;
    }

    private static Grammar ToolCalls(ServedModel model, GenerationConstraint c, JsonSchemaOptions options)
    {
        var spec = model.Format.Parsers.FindSpec(c.ToolCallFormat ?? JsonArrayFormat)
            ?? throw new ArgumentException($"Tool-call format '{c.ToolCallFormat}' has no spec to generate from.", c.Source);
        var calls = ToolCallGrammar.TryBuild(spec, c.Tools, c.MinCalls, c.MaxCalls, options)
            ?? throw new ArgumentException($"Tool calls of format '{spec.Name}' cannot be generated under constraint.", c.Source);
        if (!c.Lazy) return calls;
        var triggers = spec.Sections.Select(s => s.Start).Where(s => !string.IsNullOrEmpty(s)).ToArray();
        return Grammar.Lazy(triggers, calls);
    }
}
