using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.ChatTemplates;

// Renders the Llama 3.1 template with 20 tools and 50 messages (a long agentic conversation) and prints a table:
// compile time (parse of a new template text), render latency percentiles, throughput and bytes allocated per render.
var root = FindRepositoryRoot();
var templatePath = args.Length > 0 ? args[0] : Path.Combine(root, "tests", "Fixtures", "chat_templates", "meta-llama-Llama-3.1-8B-Instruct.jinja");
var source = File.ReadAllText(templatePath);
var context = new ChatTemplateContext
{
    Messages = Conversation(50),
    Tools = Tools(20),
    AddGenerationPrompt = true,
    BosToken = "<|begin_of_text|>",
    EosToken = "<|eot_id|>",
    Now = new DateTime(2026, 1, 15, 12, 0, 0),
};

const int CompileRuns = 200;
const int WarmupRenders = 200;
const int Renders = 2000;

var compileTimes = new double[CompileRuns];
for (var i = 0; i < CompileRuns; i++)
{
    // A distinct text each time defeats the compile cache, so this measures lexing and parsing.
    var text = source + "{# " + i + " #}";
    var sw = Stopwatch.StartNew();
    ChatTemplate.Compile(text);
    compileTimes[i] = sw.Elapsed.TotalMicroseconds;
}

var template = ChatTemplate.Compile(source);
var output = template.Render(context);
for (var i = 0; i < WarmupRenders; i++) template.Render(context);

var renderTimes = new double[Renders];
var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
var total = Stopwatch.StartNew();
for (var i = 0; i < Renders; i++)
{
    var sw = Stopwatch.StartNew();
    template.Render(context);
    renderTimes[i] = sw.Elapsed.TotalMicroseconds;
}
total.Stop();
var allocatedPerRender = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)Renders;

Array.Sort(compileTimes);
Array.Sort(renderTimes);
Console.WriteLine($"Template: {Path.GetFileName(templatePath)} ({source.Length:N0} chars), 20 tools, 50 messages -> {output.Length:N0} chars rendered");
Console.WriteLine();
Console.WriteLine("| Measure                     |        Value |");
Console.WriteLine("|-----------------------------|-------------:|");
Console.WriteLine($"| compile (parse) p50         | {Percentile(compileTimes, 0.50),9:F1} µs |");
Console.WriteLine($"| render p50                  | {Percentile(renderTimes, 0.50),9:F1} µs |");
Console.WriteLine($"| render p90                  | {Percentile(renderTimes, 0.90),9:F1} µs |");
Console.WriteLine($"| render p99                  | {Percentile(renderTimes, 0.99),9:F1} µs |");
Console.WriteLine($"| renders per second (1 core) | {Renders / total.Elapsed.TotalSeconds,12:N0} |");
Console.WriteLine($"| allocated per render        | {allocatedPerRender / 1024,9:F1} KB |");
return 0;

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("Cluster.sln not found above " + AppContext.BaseDirectory);
}

static JsonArray Tools(int count)
{
    var tools = new JsonArray();
    for (var i = 0; i < count; i++)
    {
        tools.Add(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = $"tool_{i}",
                ["description"] = $"Tool number {i}: looks something up and returns a short answer.",
                ["parameters"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["query"] = new JsonObject { ["type"] = "string", ["description"] = "What to look up" },
                        ["limit"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 50 },
                        ["mode"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("fast", "thorough") },
                    },
                    ["required"] = new JsonArray("query"),
                },
            },
        });
    }
    return tools;
}

static JsonArray Conversation(int count)
{
    var messages = new JsonArray { new JsonObject { ["role"] = "system", ["content"] = "You are a helpful assistant with tools." } };
    for (var i = 1; messages.Count < count; i++)
    {
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = $"Question {i}: what does tool {i % 20} say about item {i}?" });
        if (messages.Count >= count) break;
        if (i % 3 == 0)
        {
            messages.Add(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = "",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"call{i:000000}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = $"tool_{i % 20}", ["arguments"] = new JsonObject { ["query"] = $"item {i}", ["limit"] = 5 } },
                }),
            });
            if (messages.Count >= count) break;
            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = $"call{i:000000}", ["content"] = $"{{\"answer\": \"result {i}\"}}" });
            if (messages.Count >= count) break;
        }
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = $"Here is what I found about item {i}: it is fine." });
    }
    return messages;
}
