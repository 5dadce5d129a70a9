using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Constraints;
using Cluster.Constraints.Bench;

// Mask and compile latency of the constraint engine: one thread, a synthetic 128k byte-level vocabulary, random valid walks.
var vocabularySize = ArgValue("--vocab", 131_072);
var walksPerGrammar = ArgValue("--walks", 6);
var maxSteps = ArgValue("--steps", 300);
var compileRepeats = ArgValue("--compiles", 20);

Console.WriteLine($"Constraint engine benchmark — {Environment.ProcessorCount} cores visible, single-threaded measurement, .NET {Environment.Version}");
var clock = Stopwatch.StartNew();
var vocabulary = SyntheticVocabulary.Build(vocabularySize);
Console.WriteLine($"vocabulary: {vocabulary.Size} tokens, built (with trie) in {clock.ElapsedMilliseconds} ms; trie {vocabulary.Trie.NodeCount} nodes, " +
    $"{vocabulary.PlainText.PlainCount} plain-string tokens, remainder trie {vocabulary.PlainText.Rest.NodeCount} nodes");

var grammars = new List<(string Name, Func<Grammar> Create)>();
foreach (var (name, schema) in BenchSchemas.Schemas)
{
    grammars.Add(($"schema:{name}", () => Grammar.JsonSchema(JsonNode.Parse(schema))));
    grammars.Add(($"named-tool:{name}", () => BenchSchemas.ToolCall(name, JsonNode.Parse(schema)!)));
}
grammars.Add(("required:any-tool", () => Grammar.Repeat(
    Grammar.Alternatives([.. BenchSchemas.Schemas.Take(8).Select(s => BenchSchemas.ToolCall(s.Name, JsonNode.Parse(s.Schema)!))]), 1, null, Grammar.Literal("\n"))));
grammars.Add(("auto-lazy:any-tool", () => Grammar.Lazy(["<tool_call>"], Grammar.Repeat(
    Grammar.Alternatives([.. BenchSchemas.Schemas.Take(8).Select(s => BenchSchemas.ToolCall(s.Name, JsonNode.Parse(s.Schema)!))]), 1, null))));
grammars.Add(("regex:iso-date-list", () => Grammar.Regex(@"\[(?:\d{4}-\d{2}-\d{2}(?:, )?){1,5}\]")));
grammars.Add(("choice", () => Grammar.Choice(["positive", "negative", "neutral", "mixed"])));

// Warm the JIT on one grammar before measuring.
var warm = GrammarCompiler.CompileUncached(grammars[0].Create(), vocabulary).CreateMatcher();
var warmMask = new uint[vocabulary.MaskWords];
warm.FillMask(warmMask);

var detail = args.Contains("--detail");
var compile = new LatencyStats("compile (uncached)");
var compileCpu = new LatencyStats("compile, thread CPU time (uncached)");
var cachedCompile = new LatencyStats("compile (cached)");
foreach (var (name, create) in grammars)
{
    var own = new LatencyStats($"  compile {name}");
    for (var i = 0; i < compileRepeats; i++)
    {
        var grammar = create(); // a fresh object each time, as a request would bring
        var cpuStart = ThreadCpuClock.IsAvailable ? ThreadCpuClock.Nanoseconds() : 0;
        var start = Stopwatch.GetTimestamp();
        GrammarCompiler.CompileUncached(grammar, vocabulary);
        compile.AddTicks(Stopwatch.GetTimestamp() - start);
        if (ThreadCpuClock.IsAvailable) compileCpu.Add((ThreadCpuClock.Nanoseconds() - cpuStart) / 1000.0);
        own.AddTicks(Stopwatch.GetTimestamp() - start);
    }
    if (detail) Console.WriteLine(own.Row());
    GrammarCompiler.Compile(create(), vocabulary);
    for (var i = 0; i < compileRepeats; i++)
    {
        var grammar = create();
        var start = Stopwatch.GetTimestamp();
        GrammarCompiler.Compile(grammar, vocabulary);
        cachedCompile.AddTicks(Stopwatch.GetTimestamp() - start);
    }
}

var maskAll = new LatencyStats("mask (all steps)");
var maskCpu = new LatencyStats("mask, thread CPU time (all steps)");
var maskCold = new LatencyStats("mask (first walk per grammar)");
var maskWarm = new LatencyStats("mask (later walks)");
var advance = new LatencyStats("advance (TryAdvance)");
var random = new Random(1);
var mask = new uint[vocabulary.MaskWords];
var allowed = new List<int>();
var steps = 0;
var finished = 0;
var walks = 0;
foreach (var (name, create) in grammars)
{
    var compiled = GrammarCompiler.CompileUncached(create(), vocabulary); // cold: nothing cached yet
    var own = new LatencyStats($"  mask {name}");
    for (var walk = 0; walk < walksPerGrammar; walk++)
    {
        walks++;
        var matcher = compiled.CreateMatcher();
        for (var step = 0; step < maxSteps; step++)
        {
            var cpuStart = ThreadCpuClock.IsAvailable ? ThreadCpuClock.Nanoseconds() : 0;
            var start = Stopwatch.GetTimestamp();
            matcher.FillMask(mask);
            var ticks = Stopwatch.GetTimestamp() - start;
            if (ThreadCpuClock.IsAvailable) maskCpu.Add((ThreadCpuClock.Nanoseconds() - cpuStart) / 1000.0);
            maskAll.AddTicks(ticks);
            own.AddTicks(ticks);
            (walk == 0 ? maskCold : maskWarm).AddTicks(ticks);
            steps++;

            allowed.Clear();
            var eosAllowed = false;
            for (var w = 0; w < mask.Length; w++)
            {
                var bits = mask[w];
                while (bits != 0)
                {
                    var id = w * 32 + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    if (vocabulary.IsEos(id)) eosAllowed = true;
                    else allowed.Add(id);
                }
            }
            if (eosAllowed && (allowed.Count == 0 || random.Next(4) == 0))
            {
                finished++;
                break;
            }
            if (allowed.Count == 0) throw new InvalidOperationException($"{name}: dead end");
            var token = allowed[random.Next(allowed.Count)];
            start = Stopwatch.GetTimestamp();
            if (!matcher.TryAdvance(token)) throw new InvalidOperationException($"{name}: masked-in token refused");
            advance.AddTicks(Stopwatch.GetTimestamp() - start);
        }
    }
    if (detail) Console.WriteLine(own.Row() + $" states={compiled.BuiltStateCount}");
}

Console.WriteLine($"grammars: {grammars.Count} ({BenchSchemas.Schemas.Count} schemas, each bare and as a named tool call; required/auto over 8 tools; regex; choice)");
Console.WriteLine($"walks: {walks} ({finished} reached EOS), mask steps: {steps}, max {maxSteps} steps per walk");
Console.WriteLine();
Console.WriteLine(LatencyStats.Header);
foreach (var stats in new[] { maskAll, maskCold, maskWarm, maskCpu, advance, compile, compileCpu, cachedCompile })
{
    if (stats.Count > 0) Console.WriteLine(stats.Row());
}
Console.WriteLine($"load average while running: {LoadAverage()} (wall-clock rows include time other processes held the core)");
Console.WriteLine();
Console.WriteLine($"targets: mask p50 <= 50µs: {(maskAll.Percentile(50) <= 50 ? "met" : "MISSED")}; mask p99 <= 1ms: {(maskAll.Percentile(99) <= 1000 ? "met" : "MISSED")}; compile p50 <= 2ms: {(compile.Percentile(50) <= 2000 ? "met" : "MISSED")}");

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int ArgValue(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}
