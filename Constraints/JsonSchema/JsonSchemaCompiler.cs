using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Constraints.Grammars;
using Cluster.Constraints.Regex;
using Cluster.Constraints.Text;

namespace Cluster.Constraints.JsonSchema;

/// <summary>
/// Lowers a JSON Schema to a <see cref="Grammar"/> that generates exactly-formatted JSON valid against it.
/// </summary>
/// <remarks>
/// <para>Choices made where JSON Schema leaves room:</para>
/// <list type="bullet">
/// <item>Object members are written in declared order; required ones always, optional ones may be skipped.</item>
/// <item>Additional members: none when <c>properties</c> is declared and <c>additionalProperties</c> is absent or false (OpenAI strict
/// mode's reading); any when the object declares no <c>properties</c> (a free-form object); valid against the schema when it is a schema
/// or <c>true</c>. Additional keys never repeat a declared name and are written without escapes.</item>
/// <item>Without <c>type</c>, the type is inferred from the keywords present (<c>properties</c> → object, <c>items</c> → array, ...).</item>
/// <item><c>oneOf</c> is generated as <c>anyOf</c>: alternatives should not overlap. <c>allOf</c> is merged into one schema.</item>
/// <item>Recursive <c>$ref</c>s become rule calls (nesting limited to <see cref="CompiledGrammar.MaxStackDepth"/>); others are inlined.</item>
/// <item>Whitespace between tokens is bounded by <see cref="JsonSchemaOptions.MaxWhitespace"/>.</item>
/// <item>A <c>$ref</c> that reaches itself again before any object or array is opened (left recursion, e.g. through <c>anyOf</c> or
/// <c>allOf</c>) could never produce a value and is refused, as is a recursive <c>$ref</c> merged with other keywords.</item>
/// <item>Nesting, expansion and time are bounded by <see cref="GrammarLimits"/>.</item>
/// </list>
/// </remarks>
internal sealed class JsonSchemaCompiler
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "$anchor", "deprecated", "readOnly", "writeOnly",
        "contentEncoding", "contentMediaType", "$defs", "definitions", "discriminator", "strict",
        // OpenAPI's nullable is not JSON Schema: validators ignore it, so generating null for it would fail them.
        "nullable",
    };

    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
        "anyOf", "oneOf", "allOf", "$ref", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum",
    };

    private static readonly string[] ObjectKeywords = ["properties", "required", "additionalProperties"];
    private static readonly string[] ArrayKeywords = ["items", "prefixItems", "minItems", "maxItems"];
    private static readonly string[] StringKeywords = ["minLength", "maxLength", "pattern", "format"];
    private static readonly string[] NumberKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

    private readonly JsonNode? _root;
    private readonly JsonSchemaOptions _options;
    private readonly Dictionary<string, GrammarRule> _recursiveRules = new(StringComparer.Ordinal);
    private readonly CompilationBudget _budget;
    // $ref targets being compiled on the current path → the container level (objects and arrays opened) where that began.
    // Meeting a target again at the same level means it recurses before writing any JSON: left recursion.
    private readonly Dictionary<string, int> _expanding = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inlining = new(StringComparer.Ordinal);
    private int _level;
    private int _depth;
    private readonly Grammar _whitespace;
    private readonly Grammar _comma;
    private readonly Grammar _colon;
    private GrammarRule? _anyValue;

    private JsonSchemaCompiler(JsonNode? root, JsonSchemaOptions options, CompilationBudget budget)
    {
        _root = root;
        _options = options;
        _budget = budget;
        _whitespace = Grammar.Repeat(new ByteClassNode([((byte)'\t', (byte)'\n'), ((byte)'\r', (byte)'\r'), ((byte)' ', (byte)' ')]), 0, options.MaxWhitespace);
        _comma = Grammar.Sequence(_whitespace, Grammar.Literal(","), _whitespace);
        _colon = Grammar.Sequence(_whitespace, Grammar.Literal(":"), _whitespace);
    }

    /// <summary>The grammar of JSON values valid against <paramref name="schema"/>.</summary>
    /// <exception cref="GrammarException">The schema cannot be enforced, matches nothing, or goes past a limit of <paramref name="budget"/>.</exception>
    public static Grammar Lower(JsonNode? schema, JsonSchemaOptions options, CompilationBudget budget)
    {
        var grammar = new JsonSchemaCompiler(schema, options, budget).Value(schema, "");
        return grammar is NothingNode ? throw new UnsatisfiableGrammarException("") : grammar;
    }

    private Grammar Value(JsonNode? schema, string pointer)
    {
        switch (schema)
        {
            case null:
                return AnyValue();
            case JsonValue value when value.GetValueKind() is JsonValueKind.True:
                return AnyValue();
            case JsonValue value when value.GetValueKind() is JsonValueKind.False:
                return Grammar.Nothing;
            case JsonObject obj:
                return ObjectSchema(obj, pointer);
            default:
                throw new UnsupportedSchemaException("schema", pointer, "a schema must be an object or a boolean");
        }
    }

    /// <summary>Compiles one schema object, counted against the depth, expansion and time limits.</summary>
    private Grammar ObjectSchema(JsonObject schema, string pointer)
    {
        var limits = _budget.Limits;
        if (_depth >= limits.MaxSchemaDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxSchemaDepth), limits.MaxSchemaDepth, pointer, "the nesting of schemas");
        }
        if (++_budget.SchemaExpansions > limits.MaxSchemaExpansions)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxSchemaExpansions), limits.MaxSchemaExpansions, pointer, "the number of schemas to compile (each use of a $ref counts)");
        }
        _budget.CheckTime(pointer);
        _depth++;
        var grammar = CompileObjectSchema(schema, pointer);
        _depth--;
        return grammar;
    }

    private Grammar CompileObjectSchema(JsonObject schema, string pointer)
    {
        CheckKeywords(schema, pointer);
        if (schema["$ref"] is { } reference)
        {
            var others = schema.Where(p => p.Key != "$ref" && !Annotations.Contains(p.Key) && !p.Key.StartsWith("x-", StringComparison.Ordinal)).ToList();
            if (others.Count == 0) return Reference(reference, pointer);
            // A $ref beside other keywords applies both (draft 2019+): merge them like allOf.
            var rest = new JsonObject(others.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            var inlined = new List<string>();
            var target = Inline(reference, pointer, inlined);
            return Inlined(inlined, ObjectSchema(Merge(target, rest, pointer), pointer));
        }
        if (schema["allOf"] is JsonArray allOf)
        {
            // allOf: [{$ref}] with annotations beside it (pydantic's way to describe a field) is the reference itself.
            if (allOf is [JsonObject { Count: 1 } only] && only["$ref"] is { } lone && schema.All(p => p.Key == "allOf" || IsAnnotation(p.Key)))
            {
                return Reference(lone, $"{pointer}/allOf/0");
            }
            var merged = new JsonObject(schema.Where(p => p.Key != "allOf").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            var inlined = new List<string>();
            for (var i = 0; i < allOf.Count; i++)
            {
                var part = allOf[i] is JsonObject o ? o : throw new UnsupportedSchemaException("allOf", pointer, "members must be schema objects");
                if (part["$ref"] is { } r && part.Count == 1) part = Inline(r, $"{pointer}/allOf/{i}", inlined);
                merged = Merge(merged, part, $"{pointer}/allOf/{i}");
            }
            return Inlined(inlined, ObjectSchema(merged, pointer));
        }
        var anyOfKeyword = schema.ContainsKey("anyOf") ? "anyOf" : schema.ContainsKey("oneOf") ? "oneOf" : null;
        if (anyOfKeyword is not null)
        {
            if (schema.ContainsKey("anyOf") && schema.ContainsKey("oneOf"))
            {
                throw new UnsupportedSchemaException("oneOf", pointer, "anyOf and oneOf together");
            }
            var alternatives = schema[anyOfKeyword] as JsonArray ?? throw new UnsupportedSchemaException(anyOfKeyword, pointer, "must be an array");
            var siblings = schema.Where(p => p.Key != anyOfKeyword && !Annotations.Contains(p.Key)).ToList();
            var options = new List<Grammar>();
            for (var i = 0; i < alternatives.Count; i++)
            {
                var itemPointer = $"{pointer}/{anyOfKeyword}/{i}";
                if (siblings.Count == 0)
                {
                    options.Add(Value(alternatives[i], itemPointer));
                    continue;
                }
                // Keywords beside anyOf constrain every alternative.
                var item = alternatives[i] is JsonObject o ? o : throw new UnsupportedSchemaException(anyOfKeyword, itemPointer, "members must be schema objects");
                var inlined = new List<string>();
                if (item["$ref"] is { } r && item.Count == 1) item = Inline(r, itemPointer, inlined);
                var sibling = new JsonObject(siblings.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
                options.Add(Inlined(inlined, ObjectSchema(Merge(sibling, item, itemPointer), itemPointer)));
            }
            return Grammar.Alternatives([.. options]);
        }
        if (schema.ContainsKey("const")) return Constant(schema["const"], pointer, 0);
        if (schema["enum"] is { } enumNode)
        {
            var values = enumNode as JsonArray ?? throw new UnsupportedSchemaException("enum", pointer, "must be an array");
            var types = DeclaredTypes(schema, pointer);
            var options = values.Where(v => types is null || types.Contains(TypeOf(v)) || (TypeOf(v) == "integer" && types.Contains("number")))
                .Select(v => Constant(v, pointer, 0)).ToArray();
            return options.Length == 0 ? Grammar.Nothing : Grammar.Alternatives(options);
        }

        var typeList = DeclaredTypes(schema, pointer) ?? InferTypes(schema);
        var grammars = new List<Grammar>();
        foreach (var type in typeList)
        {
            grammars.Add(type switch
            {
                "string" => StringValue(schema, pointer),
                "integer" => IntegerValue(schema, pointer),
                "number" => NumberValue(schema, pointer),
                "boolean" => Grammar.Alternatives(Grammar.Literal("true"), Grammar.Literal("false")),
                "null" => Grammar.Literal("null"),
                "object" => Container(ObjectValue, schema, pointer),
                "array" => Container(ArrayValue, schema, pointer),
                _ => throw new UnsupportedSchemaException("type", pointer, $"unknown type '{type}'"),
            });
        }
        return grammars.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. grammars]);
    }

    private static bool IsAnnotation(string key) => Annotations.Contains(key) || key.StartsWith("x-", StringComparison.Ordinal);

    private void CheckKeywords(JsonObject schema, string pointer)
    {
        foreach (var (key, value) in schema)
        {
            if (Supported.Contains(key) || IsAnnotation(key)) continue;
            if (IsNoOp(schema, key, value)) continue;
            if (_options.Strict) throw new UnsupportedSchemaException(key, pointer, "this keyword cannot be enforced by constrained decoding");
        }
    }

    /// <summary>Keywords whose value makes them constrain nothing.</summary>
    private static bool IsNoOp(JsonObject schema, string key, JsonNode? value) => key switch
    {
        "uniqueItems" => value is JsonValue v && v.GetValueKind() == JsonValueKind.False,
        "minProperties" or "minContains" => value is JsonValue v && v.TryGetValue<int>(out var n) && n == 0,
        // Every integer is a multiple of 1 (for numbers it would mean "integer-valued", which we do not enforce).
        "multipleOf" => value is JsonValue v && v.TryGetValue<double>(out var m) && m == 1
            && schema["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "integer",
        _ => false,
    };

    private List<string>? DeclaredTypes(JsonObject schema, string pointer) => schema["type"] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => [.. a.Select(t => t?.GetValue<string>() ?? throw new UnsupportedSchemaException("type", pointer, "null in the type list"))],
        _ => throw new UnsupportedSchemaException("type", pointer, "must be a string or an array of strings"),
    };

    private static List<string> InferTypes(JsonObject schema)
    {
        var types = new List<string>();
        if (ObjectKeywords.Any(schema.ContainsKey)) types.Add("object");
        if (ArrayKeywords.Any(schema.ContainsKey)) types.Add("array");
        if (StringKeywords.Any(schema.ContainsKey)) types.Add("string");
        if (NumberKeywords.Any(schema.ContainsKey)) types.Add("number");
        return types.Count > 0 ? types : ["object", "array", "string", "number", "boolean", "null"];
    }

    private static string TypeOf(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => value.ToJsonString().IndexOfAny(['.', 'e', 'E']) < 0 ? "integer" : "number",
    };

    // ---- references -------------------------------------------------------------------------------------------------

    private Grammar Reference(JsonNode reference, string pointer)
    {
        var target = TargetPointer(reference, pointer);
        CheckCycle(target, pointer, merging: false);
        if (_recursiveRules.TryGetValue(target, out var known)) return new RuleReferenceNode(known);
        if (_expanding.ContainsKey(target))
        {
            var rule = new GrammarRule("#" + target);
            _recursiveRules[target] = rule;
            return new RuleReferenceNode(rule);
        }
        _expanding.Add(target, _level);
        var body = Value(ResolvePointer(target, pointer), target);
        _expanding.Remove(target);
        if (_recursiveRules.TryGetValue(target, out var recursive))
        {
            recursive.Body = body;
            return new RuleReferenceNode(recursive);
        }
        return body;
    }

    /// <summary>
    /// Refuses a <c>$ref</c> to a target already being compiled on this path when no object or array was opened since (it would
    /// recurse forever without writing anything), and, when the target is to be merged into the schema around it rather than
    /// called as a rule, any recursion at all (merging would expand it forever).
    /// </summary>
    private void CheckCycle(string target, string pointer, bool merging)
    {
        if (!_expanding.TryGetValue(target, out var level) && !_inlining.TryGetValue(target, out level)) return;
        if (level == _level)
        {
            throw new UnsupportedSchemaException("$ref", pointer, $"'#{target}' refers back to itself before any object or array is opened (through $ref, allOf, anyOf or oneOf), so it can never produce a value");
        }
        if (merging)
        {
            throw new UnsupportedSchemaException("$ref", pointer, $"'#{target}' is recursive and merged with other keywords (allOf, or keywords beside $ref or anyOf); refer to it on its own");
        }
    }

    /// <summary>Resolves a <c>$ref</c> whose target is merged into the surrounding schema, noting it in <paramref name="inlined"/> until <see cref="Inlined"/>.</summary>
    private JsonObject Inline(JsonNode reference, string pointer, List<string> inlined)
    {
        var target = TargetPointer(reference, pointer);
        CheckCycle(target, pointer, merging: true);
        var resolved = Resolve(target, reference, pointer);
        if (_inlining.TryAdd(target, _level)) inlined.Add(target);
        return resolved;
    }

    /// <summary>Ends the merge of the targets <see cref="Inline"/> noted; returns <paramref name="grammar"/>.</summary>
    private Grammar Inlined(List<string> inlined, Grammar grammar)
    {
        foreach (var target in inlined) _inlining.Remove(target);
        return grammar;
    }

    private JsonObject Resolve(string target, JsonNode reference, string pointer)
    {
        return ResolvePointer(target, pointer) switch
        {
            JsonObject o => o,
            JsonValue v when v.GetValueKind() == JsonValueKind.True => [],
            _ => throw new UnsupportedSchemaException("$ref", pointer, $"'{reference}' does not resolve to a schema object"),
        };
    }

    private static string TargetPointer(JsonNode reference, string pointer)
    {
        var text = reference is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new UnsupportedSchemaException("$ref", pointer, "must be a string");
        if (!text.StartsWith('#')) throw new UnsupportedSchemaException("$ref", pointer, $"only references within the schema are supported, not '{text}'");
        return Uri.UnescapeDataString(text[1..]);
    }

    private JsonNode? ResolvePointer(string target, string pointer)
    {
        var node = _root;
        if (target.Length == 0) return node;
        if (!target.StartsWith('/')) throw new UnsupportedSchemaException("$ref", pointer, $"'#{target}' is not a JSON pointer (anchors are not supported)");
        foreach (var rawPart in target[1..].Split('/'))
        {
            var part = rawPart.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(part, out var child) => child,
                JsonArray a when int.TryParse(part, out var index) && index >= 0 && index < a.Count => a[index],
                _ => throw new UnsupportedSchemaException("$ref", pointer, $"'#{target}' does not resolve"),
            };
        }
        return node;
    }

    // ---- allOf ------------------------------------------------------------------------------------------------------

    /// <summary>One schema equivalent to both <paramref name="a"/> and <paramref name="b"/> for the keywords we enforce.</summary>
    private JsonObject Merge(JsonObject a, JsonObject b, string pointer)
    {
        var result = new JsonObject(a.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        foreach (var (key, value) in b)
        {
            if (!result.TryGetPropertyValue(key, out var existing))
            {
                result[key] = value?.DeepClone();
                continue;
            }
            if (Annotations.Contains(key) || JsonNode.DeepEquals(existing, value)) continue;
            result[key] = key switch
            {
                "properties" => MergeProperties((JsonObject)existing!, (JsonObject)value!),
                "required" => new JsonArray([.. ((JsonArray)existing!).Concat((JsonArray)value!).Select(n => n!.GetValue<string>()).Distinct().Select(s => (JsonNode)s)]),
                "type" => IntersectTypes(existing, value, pointer),
                "enum" => new JsonArray([.. ((JsonArray)existing!).Where(x => ((JsonArray)value!).Any(y => JsonNode.DeepEquals(x, y))).Select(x => x?.DeepClone())]),
                "minimum" or "exclusiveMinimum" or "minLength" or "minItems" => Extreme(existing, value, max: true),
                "maximum" or "exclusiveMaximum" or "maxLength" or "maxItems" => Extreme(existing, value, max: false),
                "additionalProperties" when IsFalse(existing) || IsFalse(value) => false,
                "additionalProperties" or "items" => new JsonObject { ["allOf"] = new JsonArray(existing?.DeepClone(), value?.DeepClone()) },
                _ => throw new UnsupportedSchemaException("allOf", pointer, $"cannot combine two different '{key}' values"),
            };
        }
        // additionalProperties: false in one part admits only that part's own properties.
        foreach (var part in new[] { a, b })
        {
            if (!IsFalse(part["additionalProperties"]) || result["properties"] is not JsonObject merged) continue;
            var own = part["properties"] as JsonObject;
            foreach (var name in merged.Select(p => p.Key).ToList())
            {
                if (own is null || !own.ContainsKey(name)) merged.Remove(name);
            }
        }
        return result;
    }

    private static JsonObject MergeProperties(JsonObject a, JsonObject b)
    {
        var result = new JsonObject(a.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        foreach (var (name, schema) in b)
        {
            result[name] = result.TryGetPropertyValue(name, out var existing)
                ? new JsonObject { ["allOf"] = new JsonArray(existing?.DeepClone(), schema?.DeepClone()) }
                : schema?.DeepClone();
        }
        return result;
    }

    private static JsonNode IntersectTypes(JsonNode? a, JsonNode? b, string pointer)
    {
        static List<string> List(JsonNode? n) => n is JsonArray arr ? [.. arr.Select(x => x!.GetValue<string>())] : [n!.GetValue<string>()];
        var left = List(a);
        var right = List(b);
        var both = new List<string>();
        foreach (var t in left)
        {
            if (right.Contains(t)) both.Add(t);
            else if (t == "integer" && right.Contains("number")) both.Add("integer");
            else if (t == "number" && right.Contains("integer")) both.Add("integer");
        }
        if (both.Count == 0) throw new UnsupportedSchemaException("allOf", pointer, "the parts allow no common type");
        return new JsonArray([.. both.Distinct().Select(t => (JsonNode)t)]);
    }

    private static JsonNode? Extreme(JsonNode? a, JsonNode? b, bool max)
    {
        var x = a!.GetValue<double>();
        var y = b!.GetValue<double>();
        return (max ? x >= y : x <= y) ? a.DeepClone() : b.DeepClone();
    }

    private static bool IsFalse(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.False;

    // ---- values -----------------------------------------------------------------------------------------------------

    private Grammar AnyValue()
    {
        if (_anyValue is not null) return new RuleReferenceNode(_anyValue);
        _anyValue = new GrammarRule("any");
        var any = new RuleReferenceNode(_anyValue);
        var member = Grammar.Sequence(StringLiteral(Grammar.Repeat(JsonStringCharacters.AnyCharacter, 0, null)), _colon, any);
        _anyValue.Body = Grammar.Alternatives(
            StringLiteral(Grammar.Repeat(JsonStringCharacters.AnyCharacter, 0, null)),
            NumberGrammars.AnyNumber(),
            Grammar.Literal("true"),
            Grammar.Literal("false"),
            Grammar.Literal("null"),
            Grammar.Sequence(Grammar.Literal("{"), _whitespace, Grammar.Repeat(member, 0, null, _comma), _whitespace, Grammar.Literal("}")),
            Grammar.Sequence(Grammar.Literal("["), _whitespace, Grammar.Repeat(any, 0, null, _comma), _whitespace, Grammar.Literal("]")));
        return any;
    }

    /// <summary>Exactly this JSON value, with the usual bounded whitespace inside objects and arrays.</summary>
    private Grammar Constant(JsonNode? value, string pointer, int depth) => value switch
    {
        _ when depth >= _budget.Limits.MaxSchemaDepth =>
            throw new GrammarLimitException(nameof(GrammarLimits.MaxSchemaDepth), _budget.Limits.MaxSchemaDepth, pointer, "the nesting of a const or enum value"),
        null => Grammar.Literal("null"),
        JsonObject o => Grammar.Sequence(
            Grammar.Literal("{"), _whitespace,
            Separated(o.Select(p => Grammar.Sequence(StringLiteral(Grammar.Literal(JsonStringCharacters.EscapeString(p.Key))), _colon, Constant(p.Value, pointer, depth + 1)))),
            _whitespace, Grammar.Literal("}")),
        JsonArray a => Grammar.Sequence(Grammar.Literal("["), _whitespace, Separated(a.Select(v => Constant(v, pointer, depth + 1))), _whitespace, Grammar.Literal("]")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => StringLiteral(Grammar.Literal(JsonStringCharacters.EscapeString(v.GetValue<string>()))),
        _ => Grammar.Literal(value.ToJsonString()),
    };

    private Grammar Separated(IEnumerable<Grammar> items)
    {
        var list = new List<Grammar>();
        foreach (var item in items)
        {
            if (list.Count > 0) list.Add(_comma);
            list.Add(item);
        }
        return list.Count == 0 ? Grammar.Empty : Grammar.Sequence([.. list]);
    }

    private static Grammar StringLiteral(Grammar body) => Grammar.Sequence(Grammar.Literal("\""), body, Grammar.Literal("\""));

    private Grammar StringValue(JsonObject schema, string pointer)
    {
        var minLength = ReadInt(schema, "minLength", pointer) ?? 0;
        var maxLength = ReadInt(schema, "maxLength", pointer);
        var hasLength = minLength > 0 || maxLength is not null;
        var pattern = schema["pattern"];
        var format = schema["format"]?.GetValue<string>();
        string? formatPattern = null;
        if (format is not null && !JsonStringFormats.TryGetPattern(format, out formatPattern))
        {
            if (_options.Strict) throw new UnsupportedSchemaException("format", pointer, $"format '{format}' is not enforced (supported: {string.Join(", ", JsonStringFormats.Names)})");
            formatPattern = null;
        }
        if (pattern is not null || formatPattern is not null)
        {
            var keyword = pattern is not null ? "pattern" : "format";
            if (pattern is not null && formatPattern is not null && _options.Strict) throw new UnsupportedSchemaException("format", pointer, "format together with pattern");
            Grammar body;
            try
            {
                body = pattern is not null
                    ? RegexParser.ParseJsonStringBody(pattern.GetValue<string>(), RegexParser.Anchoring.Search, _budget.Limits)
                    : RegexParser.ParseJsonStringBody(formatPattern!, RegexParser.Anchoring.FullMatch, _budget.Limits);
            }
            catch (UnsupportedRegexException e)
            {
                throw new UnsupportedSchemaException(keyword, pointer, e.Message);
            }
            catch (GrammarLimitException e)
            {
                throw e.Relocated(pointer, $"the {keyword} regex");
            }
            // Lengths are enforced only when the pattern already implies them (e.g. a date is always 10 characters).
            if (hasLength && _options.Strict
                && (CharacterNode.LengthBounds(body) is not { } bounds || !LengthsImplied(bounds, minLength, maxLength)))
            {
                throw new UnsupportedSchemaException(minLength > 0 ? "minLength" : "maxLength", pointer, $"length limits that {keyword} does not already imply");
            }
            return StringLiteral(body);
        }
        if (maxLength is { } max && max > _options.MaxEnforcedStringLength) maxLength = Math.Max(minLength, _options.MaxEnforcedStringLength);
        if (minLength > _options.MaxEnforcedStringLength) throw new UnsupportedSchemaException("minLength", pointer, $"longer than {_options.MaxEnforcedStringLength}");
        return StringLiteral(Grammar.Repeat(JsonStringCharacters.AnyCharacter, minLength, maxLength));
    }

    private static bool LengthsImplied((long Min, long? Max) bounds, int minLength, int? maxLength) =>
        bounds.Min >= minLength && (maxLength is null || (bounds.Max is { } max && max <= maxLength));

    private Grammar IntegerValue(JsonObject schema, string pointer)
    {
        BigInteger? lo = null;
        BigInteger? hi = null;
        if (ReadNumber(schema, "minimum", pointer) is { } min) lo = Ceiling(min);
        if (ReadNumber(schema, "exclusiveMinimum", pointer) is { } xmin) lo = Max(lo, Floor(xmin) + 1);
        if (ReadNumber(schema, "maximum", pointer) is { } max) hi = Floor(max);
        if (ReadNumber(schema, "exclusiveMaximum", pointer) is { } xmax) hi = Min(hi, Ceiling(xmax) - 1);
        return NumberGrammars.Integer(lo, hi);
    }

    private Grammar NumberValue(JsonObject schema, string pointer)
    {
        NumberGrammars.Bound? lo = null;
        NumberGrammars.Bound? hi = null;
        if (ReadNumber(schema, "minimum", pointer) is { } min) lo = new(min, false);
        if (ReadNumber(schema, "exclusiveMinimum", pointer) is { } xmin && (lo is null || xmin >= lo.Value.Value)) lo = new(xmin, true);
        if (ReadNumber(schema, "maximum", pointer) is { } max) hi = new(max, false);
        if (ReadNumber(schema, "exclusiveMaximum", pointer) is { } xmax && (hi is null || xmax <= hi.Value.Value)) hi = new(xmax, true);
        // Fractions are generated with at most MaxFractionDigits digits; a bound needs no more than that (non-strict: dropped).
        if (lo is { } l && DecimalDigits(l.Value) > NumberGrammars.MaxFractionDigits) lo = TooPrecise("minimum", pointer);
        if (hi is { } h && DecimalDigits(h.Value) > NumberGrammars.MaxFractionDigits) hi = TooPrecise("maximum", pointer);
        return lo is null && hi is null ? NumberGrammars.AnyNumber() : NumberGrammars.Number(lo, hi);
    }

    private NumberGrammars.Bound? TooPrecise(string keyword, string pointer) => _options.Strict
        ? throw new UnsupportedSchemaException(keyword, pointer, $"bounds with more than {NumberGrammars.MaxFractionDigits} decimals")
        : null;

    private static int DecimalDigits(decimal value)
    {
        var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return text.Contains('.') ? text[(text.IndexOf('.') + 1)..].TrimEnd('0').Length : 0;
    }

    private static BigInteger Ceiling(decimal v) => new(decimal.Ceiling(v));

    private static BigInteger Floor(decimal v) => new(decimal.Floor(v));

    private static BigInteger Max(BigInteger? a, BigInteger b) => a is { } x && x > b ? x : b;

    private static BigInteger Min(BigInteger? a, BigInteger b) => a is { } x && x < b ? x : b;

    private static decimal? ReadNumber(JsonObject schema, string keyword, string pointer)
    {
        var node = schema[keyword];
        if (node is null) return null;
        // Draft 4 spelled exclusive bounds as booleans beside minimum/maximum.
        if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            throw new UnsupportedSchemaException(keyword, pointer, "boolean exclusive bounds (draft 4) are not supported; use a number");
        }
        return node is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : throw new UnsupportedSchemaException(keyword, pointer, "must be a number");
    }

    private static int? ReadInt(JsonObject schema, string keyword, string pointer)
    {
        var node = schema[keyword];
        if (node is null) return null;
        return node is JsonValue v && v.TryGetValue<decimal>(out var d) && d >= 0 && d == decimal.Truncate(d) && d <= int.MaxValue
            ? (int)d
            : throw new UnsupportedSchemaException(keyword, pointer, "must be a non-negative integer");
    }

    /// <summary>Compiles an object or array: what is nested inside writes a bracket first, so recursing there is productive.</summary>
    private Grammar Container(Func<JsonObject, string, Grammar> compile, JsonObject schema, string pointer)
    {
        _level++;
        var grammar = compile(schema, pointer);
        _level--;
        return grammar;
    }

    private Grammar ObjectValue(JsonObject schema, string pointer)
    {
        var properties = schema["properties"] as JsonObject ?? [];
        var required = (schema["required"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var additionalNode = schema["additionalProperties"];
        JsonNode? additionalSchema;
        bool additionalAllowed;
        if (additionalNode is null)
        {
            additionalAllowed = !schema.ContainsKey("properties");
            additionalSchema = null;
        }
        else if (IsFalse(additionalNode))
        {
            additionalAllowed = false;
            additionalSchema = null;
        }
        else
        {
            additionalAllowed = true;
            additionalSchema = additionalNode;
        }

        var members = new List<(Grammar, bool)>();
        var names = new List<string>();
        foreach (var (name, propertySchema) in properties)
        {
            names.Add(name);
            members.Add((Member(name, Value(propertySchema, $"{pointer}/properties/{EscapePointer(name)}")), required.Contains(name)));
        }
        foreach (var name in required.Where(n => !properties.ContainsKey(n)))
        {
            // Required but undeclared: valid only as an additional property (JSON Schema allows those unless told otherwise).
            if (IsFalse(additionalNode)) throw new UnsupportedSchemaException("required", pointer, $"'{name}' is required but additional properties are not allowed");
            names.Add(name);
            members.Add((Member(name, Value(additionalSchema, $"{pointer}/additionalProperties")), true));
        }
        Grammar? additional = null;
        if (additionalAllowed)
        {
            additional = Grammar.Sequence(StringLiteral(KeyExcluding(names, pointer)), _colon, Value(additionalSchema, $"{pointer}/additionalProperties"));
        }
        return Grammar.Sequence(
            Grammar.Literal("{"), _whitespace, new ObjectMembersNode([.. members], _comma, additional), _whitespace, Grammar.Literal("}"));
    }

    private Grammar Member(string name, Grammar value) =>
        Grammar.Sequence(StringLiteral(Grammar.Literal(JsonStringCharacters.EscapeString(name))), _colon, value);

    /// <summary>Key contents (unescaped characters only) that differ from every name in <paramref name="names"/>.</summary>
    private Grammar KeyExcluding(IReadOnlyCollection<string> names, string pointer)
    {
        var keyChar = new CodePointClassNode(JsonStringCharacters.Unescaped);
        var anyRest = Grammar.Repeat(keyChar, 0, null);
        if (names.Count == 0) return anyRest;
        var spelled = names.Select(n => n.EnumerateRunes().Select(r => r.Value).ToArray())
            .Where(cps => cps.All(JsonStringCharacters.Unescaped.Contains)).ToList();
        // The exclusion nests two grammar levels per character of a name (and recurses once per character here).
        var longest = spelled.Count == 0 ? 0 : spelled.Max(n => n.Length);
        if (2 * longest >= _budget.Limits.MaxGrammarDepth)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxGrammarDepth), _budget.Limits.MaxGrammarDepth, pointer,
                $"a property name of {longest} characters beside additionalProperties (it nests twice as deep)");
        }

        Grammar Node(int depth, List<int[]> group)
        {
            var options = new List<Grammar>();
            var isName = group.Any(n => n.Length == depth);
            if (!isName) options.Add(Grammar.Empty);
            var next = group.Where(n => n.Length > depth).GroupBy(n => n[depth]).ToList();
            var continuing = CodePointSet.FromRanges(next.Select(g => (g.Key, g.Key)));
            foreach (var g in next) options.Add(Grammar.Sequence(Grammar.Literal(char.ConvertFromUtf32(g.Key)), Node(depth + 1, [.. g])));
            var diverge = JsonStringCharacters.Unescaped.Subtract(continuing);
            if (!diverge.IsEmpty) options.Add(Grammar.Sequence(new CodePointClassNode(diverge), anyRest));
            return Grammar.Alternatives([.. options]);
        }

        return Node(0, spelled);
    }

    private static string EscapePointer(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private Grammar ArrayValue(JsonObject schema, string pointer)
    {
        var minItems = ReadInt(schema, "minItems", pointer) ?? 0;
        var maxItems = ReadInt(schema, "maxItems", pointer);
        var prefix = schema["prefixItems"] as JsonArray ?? [];
        var itemsNode = schema["items"];
        if (itemsNode is JsonArray)
        {
            throw new UnsupportedSchemaException("items", pointer, "array-form items (draft 4–2019 tuples); use prefixItems");
        }
        var noMoreItems = IsFalse(itemsNode);
        if (noMoreItems) maxItems = Math.Min(maxItems ?? prefix.Count, prefix.Count);
        if (maxItems is { } cap && cap < minItems) return Grammar.Nothing;
        const int maxExpandedItems = 256;
        if (minItems > maxExpandedItems || (maxItems ?? 0) > maxExpandedItems + prefix.Count)
        {
            if (maxItems is null || minItems > maxExpandedItems || _options.Strict && minItems > maxExpandedItems)
            {
                throw new UnsupportedSchemaException(minItems > maxExpandedItems ? "minItems" : "maxItems", pointer, $"item counts above {maxExpandedItems} are not enforced");
            }
            maxItems = maxExpandedItems;
        }
        // A tuple nests one level per prefix item (and Tail recurses once per item).
        if (prefix.Count >= _budget.Limits.MaxGrammarDepth / 4)
        {
            throw new GrammarLimitException(nameof(GrammarLimits.MaxGrammarDepth), _budget.Limits.MaxGrammarDepth, $"{pointer}/prefixItems",
                $"a tuple of {prefix.Count} prefixItems (each nests four levels)");
        }
        var item = noMoreItems ? Grammar.Nothing : Value(itemsNode, $"{pointer}/items");
        if (prefix.Count == 0)
        {
            // One build of the item schema, looped through with commas: spelling the first element apart would double the
            // automaton at every level of nested arrays.
            var repeated = maxItems == 0 ? Grammar.Empty : Grammar.Repeat(item, minItems, maxItems, _comma);
            return Grammar.Sequence(Grammar.Literal("["), _whitespace, repeated, _whitespace, Grammar.Literal("]"));
        }
        Grammar Element(int i) => i < prefix.Count ? Value(prefix[i], $"{pointer}/prefixItems/{i}") : item;

        // Elements after the first i, each preceded by a comma.
        Grammar Tail(int i)
        {
            if (maxItems is { } m && i >= m) return Grammar.Empty;
            if (i >= prefix.Count)
            {
                if (noMoreItems) return Grammar.Empty;
                return Grammar.Repeat(Grammar.Sequence(_comma, item), Math.Max(minItems - i, 0), maxItems - i);
            }
            var more = Grammar.Sequence(_comma, Element(i), Tail(i + 1));
            return i >= minItems ? Grammar.Optional(more) : more;
        }

        var elements = maxItems == 0 ? Grammar.Empty : Grammar.Sequence(Element(0), Tail(1));
        if (minItems == 0 && maxItems != 0) elements = Grammar.Optional(elements);
        return Grammar.Sequence(Grammar.Literal("["), _whitespace, elements, _whitespace, Grammar.Literal("]"));
    }
}
