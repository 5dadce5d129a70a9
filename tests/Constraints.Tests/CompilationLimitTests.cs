using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

/// <summary>
/// Hostile inputs: each is refused with a typed error naming the limit and where in the schema it was hit, quickly and with bounded
/// memory, on a thread with a thread-pool-sized stack. Productive recursion keeps working.
/// </summary>
public sealed class CompilationLimitTests
{
    private static readonly TokenVocabulary Vocabulary = TestVocabularies.ByteLevelBpe;

    /// <summary>A thread-pool thread's stack on Linux (1.5 MB), where the server compiles; tests run unoptimized, with larger frames.</summary>
    private const int StackBytes = 3 << 19;

    /// <summary>Allocation allowed for refusing (or compiling) one hostile input.</summary>
    private const long MaxAllocatedBytes = 200L << 20;

    private static readonly JsonDocumentOptions DeepJson = new() { MaxDepth = 4096 };

    /// <summary>
    /// The defaults with time to spare, so that on a loaded machine (and unoptimized test builds) the size limit under test is reached
    /// before the clock runs out; the time budget has its own test.
    /// </summary>
    private static readonly GrammarLimits Unhurried = GrammarLimits.Default with { CompileTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh thread with a small stack and returns what it threw and how much it allocated. A run
    /// past 10 seconds fails the test as a hang.
    /// </summary>
    private static (Exception? Error, long Allocated) Run(Action work)
    {
        Exception? error = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                work();
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, StackBytes);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the compile did not finish within 10 s");
        Assert.True(allocated < MaxAllocatedBytes, $"allocated {allocated >> 20} MB");
        return (error, allocated);
    }

    private static Exception? CompileSchema(string schema, GrammarLimits? limits = null) =>
        Run(() => GrammarCompiler.CompileUncached(Grammar.JsonSchema(JsonNode.Parse(schema, documentOptions: DeepJson)), Vocabulary, limits ?? Unhurried)).Error;

    private static Exception? CompileRegex(string pattern, GrammarLimits? limits = null) =>
        Run(() => GrammarCompiler.CompileUncached(Grammar.Regex(pattern), Vocabulary, limits ?? Unhurried)).Error;

    /// <summary><paramref name="wrap"/> (with <c>%</c> for the inner schema) applied <paramref name="depth"/> times around <paramref name="leaf"/>.</summary>
    private static string Nest(string wrap, int depth, string leaf)
    {
        var before = wrap[..wrap.IndexOf('%')];
        var after = wrap[(wrap.IndexOf('%') + 1)..];
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++) text.Append(before);
        text.Append(leaf);
        for (var i = 0; i < depth; i++) text.Append(after);
        return text.ToString();
    }

    private static string Repeat(string part, int count) => string.Concat(Enumerable.Repeat(part, count));

    public static TheoryData<string, string, string> LeftRecursiveSchemas => new()
    {
        // schema, keyword, pointer of the $ref that closes the cycle
        { """{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/allOf/0" },
        { """{"$defs":{"a":{"type":"object","allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/allOf/0" },
        { """{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"string"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/anyOf/0" },
        { """{"$defs":{"a":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/anyOf/1" },
        { """{"$defs":{"a":{"oneOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/oneOf/0" },
        { """{"$defs":{"a":{"type":"object","anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/anyOf/0" },
        { """{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a" },
        { """{"$defs":{"a":{"$ref":"#/$defs/a","type":"object"}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a" },
        { """{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/b" },
        { """{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"}]},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/b/allOf/0" },
        { """{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"},{"type":"integer"}]},"b":{"oneOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/b/oneOf/0" },
        { """{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}},"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"}]}}}""", "$ref", "/$defs/a/anyOf/0" },
        // Recursion that does write JSON but goes through a merge would be expanded forever: refused as well.
        { """{"$defs":{"n":{"type":"object","properties":{"c":{"allOf":[{"$ref":"#/$defs/n"},{"required":["c"]}]}}}},"$ref":"#/$defs/n"}""", "$ref", "/$defs/n/properties/c/allOf/0" },
        { """{"$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n","maxItems":2}}},"$ref":"#/$defs/n"}""", "$ref", "/$defs/n/items" },
        // not is refused as a keyword before any recursion through it.
        { """{"$defs":{"a":{"not":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}""", "not", "/$defs/a" },
    };

    [Theory]
    [MemberData(nameof(LeftRecursiveSchemas))]
    public void References_that_recurse_without_writing_json_are_refused_with_where_the_cycle_closes(string schema, string keyword, string pointer)
    {
        var error = Assert.IsType<UnsupportedSchemaException>(CompileSchema(schema));
        Assert.Equal(keyword, error.Keyword);
        Assert.Equal(pointer, error.SchemaPointer);
        Assert.DoesNotContain("(Parameter", error.Message);
    }

    public static TheoryData<string, string, string?> SchemasPastALimit => new()
    {
        // schema, limit, pointer (null: not placed in the schema)
        { Nest("""{"type":"array","items":%}""", 70, """{"type":"string"}"""), "MaxSchemaDepth", Repeat("/items", 64) },
        { Nest("""{"items":%}""", 65, "{}"), "MaxSchemaDepth", Repeat("/items", 64) },
        { Nest("""{"type":"object","properties":{"a":%}}""", 100, "{}"), "MaxSchemaDepth", Repeat("/properties/a", 64) },
        { Nest("""{"type":"object","additionalProperties":%}""", 100, "{}"), "MaxSchemaDepth", Repeat("/additionalProperties", 64) },
        { Nest("""{"type":"array","prefixItems":[%]}""", 100, "{}"), "MaxSchemaDepth", Repeat("/prefixItems/0", 64) },
        { Nest("""{"anyOf":[%,{"type":"null"}]}""", 100, "{}"), "MaxSchemaDepth", Repeat("/anyOf/0", 64) },
        { Nest("""{"allOf":[%]}""", 100, "{}"), "MaxSchemaDepth", "" },
        { """{"const":""" + Nest("[%]", 100, "1") + "}", "MaxSchemaDepth", "" },
        // Arrays of arrays whose items must appear twice double at every level.
        { Nest("""{"type":"array","minItems":2,"items":%}""", 20, """{"type":"integer"}"""), "MaxNfaStates", null },
        { Nest("""{"type":"array","maxItems":256,"items":%}""", 3, """{"type":"integer"}"""), "MaxNfaStates", null },
        // Non-recursive $refs are inlined at each use: one that doubles at every level is a "billion laughs".
        { BillionLaughs(25), "MaxSchemaExpansions", null },
        { """{"type":"object","properties":{"x":{}},"additionalProperties":true,"required":["x"],"$comment":"long name"}""".Replace("\"x\"", "\"" + new string('k', 5000) + "\""), "MaxGrammarDepth", "" },
        { """{"type":"array","prefixItems":[""" + string.Join(",", Enumerable.Repeat("""{"type":"null"}""", 1000)) + "]}", "MaxGrammarDepth", "/prefixItems" },
        { """{"type":"string","pattern":""" + JsonValue.Create(Nest("(%)", 1000, "a")).ToJsonString() + "}", "MaxRegexNesting", "" },
        { """{"type":"object","properties":{"p":{"type":"string","pattern":"^a{100000}$"}}}""", "MaxRepeat", "/properties/p" },
    };

    private static string BillionLaughs(int levels)
    {
        var defs = new JsonObject();
        for (var i = 0; i < levels; i++)
        {
            defs[$"d{i}"] = new JsonObject
            {
                ["type"] = "array",
                ["prefixItems"] = new JsonArray(new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" }, new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" }),
            };
        }
        defs[$"d{levels}"] = new JsonObject { ["type"] = "integer" };
        return new JsonObject { ["$defs"] = defs, ["$ref"] = "#/$defs/d0" }.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(SchemasPastALimit))]
    public void Schemas_past_a_limit_are_refused_quickly_naming_the_limit_and_where(string schema, string limit, string? pointer)
    {
        var error = CompileSchema(schema);
        if (limit.Length == 0)
        {
            Assert.Null(error);
            return;
        }
        var exceeded = Assert.IsType<GrammarLimitException>(error);
        Assert.Equal(limit, exceeded.Limit);
        if (limit == "MaxSchemaExpansions") Assert.StartsWith("/$defs/", exceeded.SchemaPointer);
        else Assert.Equal(pointer, exceeded.SchemaPointer);
        Assert.Contains($"{limit} ({exceeded.Value})", exceeded.Message);
        Assert.DoesNotContain("(Parameter", exceeded.Message);
    }

    public static TheoryData<string> SchemasWithinTheLimits => new()
    {
        Nest("""{"type":"object","properties":{"a":%},"required":["a"]}""", 60, """{"type":"string"}"""),
        Nest("""{"type":"array","items":%}""", 63, "{}"),
        """{"type":"object","properties":{"x":{}},"additionalProperties":{"type":"integer"}}""".Replace("\"x\"", "\"" + new string('k', 400) + "\""),
        """{"type":"array","prefixItems":[""" + string.Join(",", Enumerable.Repeat("""{"type":"boolean"}""", 200)) + "]}",
        """{"type":"object","properties":{""" + string.Join(",", Enumerable.Range(0, 3).Select(i => $"\"p{i}\":{{\"type\":\"string\",\"maxLength\":4096}}")) + "}}",
        """{"type":"object","properties":{""" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"p{i}\":{{\"type\":\"integer\",\"minimum\":0}}")) + "}}",
        """{"type":"string","pattern":"^(?:[a-z]{1,63}\\.){1,8}[a-z]{2,24}$"}""",
    };

    [Theory]
    [MemberData(nameof(SchemasWithinTheLimits))]
    public void Schemas_within_the_limits_compile(string schema) => Assert.Null(CompileSchema(schema));

    public static TheoryData<string, string> RegexesPastALimit => new()
    {
        { Nest("(%)", 30_000, "x"), "MaxRegexNesting" },
        { Nest("(?:%)", 65, "x"), "MaxRegexNesting" },
        { Nest("(%)*", 65, "x"), "MaxRegexNesting" },
        { "a" + Repeat("{1}", 100), "MaxRegexNesting" },
        { "a{100000}", "MaxRepeat" },
        { "a{0,4097}", "MaxRepeat" },
        { "a{99999999999999999999}", "MaxRepeat" },
        { "(a{1,1000}){1,1000}", "MaxNfaStates" },
        { "((a{0,4096}){0,4096}){0,4096}", "MaxNfaStates" },
        // Empty repetitions add no states but would still loop 4096³ times.
        { "(((){4096}){4096}){4096}", "MaxNfaStates" },
        { "([\\u0080-\\uFFFF]{4096}){64}", "MaxNfaStates" },
        { "(" + string.Join("|", Enumerable.Range(0, 200).Select(i => $"{i:x}{{4096}}")) + ")", "MaxNfaStates" },
    };

    [Theory]
    [MemberData(nameof(RegexesPastALimit))]
    public void Regexes_past_a_limit_are_refused_quickly_naming_the_limit(string pattern, string limit)
    {
        var error = Assert.IsType<GrammarLimitException>(CompileRegex(pattern));
        Assert.Equal(limit, error.Limit);
        Assert.Null(error.SchemaPointer);
        Assert.Contains(limit, error.Message);
    }

    [Theory]
    [InlineData("(?:(?:(?:(?:x))))")]
    [InlineData("a{4096}")]
    [InlineData("[a-z]{1,64}(\\.[a-z]{1,64}){0,8}")]
    [InlineData(".{0,1000}")]
    [InlineData("(a|b)*a(a|b){12}")]
    public void Regexes_within_the_limits_compile(string pattern) => Assert.Null(CompileRegex(pattern));

    [Fact]
    public void Sixty_four_nested_groups_are_the_most_allowed()
    {
        Assert.Null(CompileRegex(Nest("(%)", 64, "x")));
        Assert.IsType<GrammarLimitException>(CompileRegex(Nest("(%)", 65, "x")));
    }

    [Theory]
    [InlineData(990, null)]
    [InlineData(1001, "MaxGrammarDepth")]
    public void Grammars_built_in_code_nest_up_to_the_grammar_depth_limit(int depth, string? limit)
    {
        var grammar = Grammar.Literal("x");
        for (var i = 0; i < depth; i++) grammar = i % 2 == 0 ? Grammar.Sequence(Grammar.Literal("a"), grammar) : Grammar.Alternatives(Grammar.Literal("b"), grammar);
        var error = Run(() => GrammarCompiler.CompileUncached(grammar, Vocabulary, Unhurried)).Error;
        if (limit is null) Assert.Null(error);
        else Assert.Equal(limit, Assert.IsType<GrammarLimitException>(error).Limit);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(40)]
    public void Arrays_of_arrays_compile_quickly_in_bounded_memory_and_match(int depth)
    {
        // Reported as 3.4 GB at 16 levels and past 4 GB at 20: the item was built twice per level.
        var schema = Nest("""{"type":"array","items":%}""", depth, """{"type":"integer"}""");
        CompiledGrammar? compiled = null;
        var (error, _) = Run(() => compiled = GrammarCompiler.CompileUncached(Grammar.JsonSchema(JsonNode.Parse(schema)), Vocabulary));
        Assert.Null(error);
        var grammar = new JsonSchemaGrammarTests.ByteAutomatonAdapter(compiled!);
        Assert.True(grammar.Matches(Nest("[%]", depth, "1, 2")));
        Assert.True(grammar.Matches(Nest("[%, []]", depth - 1, "[]")));
        Assert.False(grammar.Matches(Nest("[%]", depth + 1, "1")));
        Assert.False(grammar.Matches(Nest("[%]", depth - 1, "1")));
    }

    [Fact]
    public void Objects_of_optional_objects_grow_linearly()
    {
        var schema = Nest("""{"type":"object","properties":{"a":%,"b":{"type":"integer"}}}""", 40, """{"type":"integer"}""");
        CompiledGrammar? compiled = null;
        Assert.Null(Run(() => compiled = GrammarCompiler.CompileUncached(Grammar.JsonSchema(JsonNode.Parse(schema, documentOptions: DeepJson)), Vocabulary)).Error);
        var grammar = new JsonSchemaGrammarTests.ByteAutomatonAdapter(compiled!);
        Assert.True(grammar.Matches(Nest("""{"a": %, "b": 1}""", 39, "{\"b\": 2}")));
        Assert.True(grammar.Matches("""{"b": 1}"""));
    }

    public static TheoryData<string, string, string> ProductiveRecursion => new()
    {
        // schema, valid instance, invalid instance
        {
            """{"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}""",
            """{"children": [{"children": []}, {}, {"children": [{"children": [{}]}]}]}""",
            """{"children": [{"children": {}}]}"""
        },
        {
            """{"$defs":{"list":{"anyOf":[{"type":"null"},{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/list"}},"required":["v","next"]}]}},"$ref":"#/$defs/list"}""",
            """{"v": 1, "next": {"v": 2, "next": null}}""",
            """{"v": 1, "next": {"v": 2}}"""
        },
        {
            // pydantic v1 describes a field that refers to a model as allOf: [{$ref}] beside a description.
            """{"$defs":{"n":{"type":"object","properties":{"c":{"allOf":[{"$ref":"#/$defs/n"}],"description":"child"}}}},"$ref":"#/$defs/n"}""",
            """{"c": {"c": {}}}""",
            """{"c": {"c": 1}}"""
        },
        {
            """{"$defs":{"a":{"type":"array","items":{"$ref":"#/$defs/b"}},"b":{"anyOf":[{"type":"integer"},{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}""",
            "[1, [2, [3, []]], 4]",
            "[1, [\"x\"]]"
        },
        {
            // A merge of a recursive definition with a non-recursive caller: the recursion itself is a plain $ref.
            """{"allOf":[{"$ref":"#/$defs/n"},{"required":["c"]}],"$defs":{"n":{"type":"object","properties":{"c":{"type":"array","items":{"$ref":"#/$defs/n"}}}}}}""",
            """{"c": [{}, {"c": []}]}""",
            "{}"
        },
    };

    [Theory]
    [MemberData(nameof(ProductiveRecursion))]
    public void Recursion_that_writes_json_before_recursing_still_compiles_and_matches(string schema, string valid, string invalid)
    {
        CompiledGrammar? compiled = null;
        Assert.Null(Run(() => compiled = GrammarCompiler.CompileUncached(Grammar.JsonSchema(JsonNode.Parse(schema)), Vocabulary)).Error);
        var grammar = new JsonSchemaGrammarTests.ByteAutomatonAdapter(compiled!);
        Assert.True(grammar.Matches(valid));
        Assert.False(grammar.Matches(invalid));
        var generated = new RandomGeneration(Vocabulary, 3).Generate(compiled!.CreateMatcher());
        Assert.NotNull(JsonNode.Parse(generated.Text));
    }

    [Fact]
    public void The_lazy_dfa_past_its_state_limit_fails_that_matcher_with_the_same_typed_error()
    {
        // Subset construction of (a|b)*a(a|b){12} needs 2^13 states; allow far fewer.
        var limits = GrammarLimits.Default with { MaxDfaStates = 300 };
        var compiled = GrammarCompiler.Compile(Grammar.Regex("(a|b)*a(a|b){12}"), Vocabulary, limits);
        var matcher = compiled.CreateMatcher();
        var random = new Random(5);
        var a = TestVocabularies.Id(Vocabulary, "a");
        var b = TestVocabularies.Id(Vocabulary, "b");
        var error = Assert.Throws<GrammarLimitException>(() =>
        {
            for (var i = 0; i < 10_000; i++) matcher.TryAdvance(random.Next(2) == 0 ? a : b);
        });
        Assert.Equal("MaxDfaStates", error.Limit);
        Assert.Same(error, matcher.Failure);
        Assert.Throws<GrammarLimitException>(() => matcher.FillMask(new uint[Vocabulary.MaskWords]));
        Assert.Throws<GrammarLimitException>(() => matcher.IsAllowed(a));
        Assert.True(compiled.BuiltStateCount <= 300);
    }

    [Fact]
    public void The_regex_automaton_keeps_to_its_state_limit_too()
    {
        var automaton = RegexCompiler.Compile("(a|b)*a(a|b){12}", limits: GrammarLimits.Default with { MaxDfaStates = 100 });
        var random = new Random(1);
        var text = string.Concat(Enumerable.Range(0, 2000).Select(_ => random.Next(2) == 0 ? 'a' : 'b'));
        Assert.Equal("MaxDfaStates", Assert.Throws<GrammarLimitException>(() => automaton.IsMatch(text)).Limit);
    }

    [Fact]
    public void Parse_configurations_past_their_limit_fail_the_matcher()
    {
        var schema = JsonNode.Parse("""{"$defs":{"n":{"type":"array","items":{"anyOf":[{"$ref":"#/$defs/n"},{"type":"integer"}]}}},"$ref":"#/$defs/n"}""");
        var compiled = GrammarCompiler.Compile(Grammar.JsonSchema(schema), Vocabulary, GrammarLimits.Default with { MaxParseConfigurations = 1 });
        var error = Assert.Throws<GrammarLimitException>(() =>
        {
            var matcher = compiled.CreateMatcher();
            foreach (var c in "[[[[[[") matcher.TryAdvance(c);
            matcher.FillMask(new uint[Vocabulary.MaskWords]);
        });
        Assert.Equal("MaxParseConfigurations", error.Limit);
    }

    [Fact]
    public void Compiling_past_the_time_budget_is_refused()
    {
        var schema = """{"type":"object","properties":{""" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"p{i}\":{{\"type\":\"string\",\"maxLength\":64}}")) + "}}";
        var error = Assert.IsType<GrammarLimitException>(CompileSchema(schema, GrammarLimits.Default with { CompileTimeout = TimeSpan.FromTicks(1) }));
        Assert.Equal("CompileTimeout", error.Limit);
    }

    [Fact]
    public void Other_limits_give_other_compiled_grammars()
    {
        var grammar = Grammar.Regex("a{1,8}");
        var strict = GrammarLimits.Default with { MaxRepeat = 10 };
        Assert.NotSame(GrammarCompiler.Compile(grammar, Vocabulary), GrammarCompiler.Compile(grammar, Vocabulary, strict));
        Assert.Same(GrammarCompiler.Compile(grammar, Vocabulary), GrammarCompiler.Compile(grammar, Vocabulary, GrammarLimits.Default with { }));
        Assert.Equal("MaxRepeat", Assert.Throws<GrammarLimitException>(() => GrammarCompiler.Compile(Grammar.Regex("a{1,12}"), Vocabulary, strict)).Limit);
    }

    [Fact]
    public void Every_user_error_is_a_grammar_exception()
    {
        Assert.IsAssignableFrom<GrammarException>(CompileSchema("""{"type":"string","pattern":"(a)\\1"}"""));
        Assert.IsAssignableFrom<GrammarException>(CompileSchema("false"));
        Assert.IsAssignableFrom<GrammarException>(CompileSchema(Nest("""{"items":%}""", 65, "{}")));
        Assert.IsAssignableFrom<GrammarException>(CompileRegex("(?=a)"));
        Assert.IsAssignableFrom<GrammarException>(Run(() => GrammarCompiler.CompileUncached(Grammar.Special("<|none|>"), Vocabulary)).Error);
    }
}
