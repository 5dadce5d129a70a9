using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

/// <summary>
/// Validates instances with Python's <c>jsonschema</c> (Draft 2020-12, format assertions on). Used because the registry mirror
/// here cannot restore JsonSchema.Net's dependencies; one Python process checks a whole batch.
/// </summary>
internal static class PythonJsonSchemaValidator
{
    private const string Script = """
import json, sys
import jsonschema
batch = json.load(open(sys.argv[1], encoding="utf-8"))
failures = []
for case in batch:
    validator = jsonschema.Draft202012Validator(case["schema"], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for text in case["instances"]:
        try:
            value = json.loads(text)
        except Exception as e:
            failures.append({"name": case["name"], "instance": text, "error": "parse: " + str(e)})
            continue
        errors = [e.message for e in validator.iter_errors(value)]
        if errors:
            failures.append({"name": case["name"], "instance": text, "error": "; ".join(errors)[:300]})
print(json.dumps(failures))
""";

    public sealed record Failure(string Name, string Instance, string Error);

    public static List<Failure> Validate(IEnumerable<(string Name, JsonNode Schema, IReadOnlyList<string> Instances)> cases)
    {
        var batch = new JsonArray();
        foreach (var (name, schema, instances) in cases)
        {
            batch.Add(new JsonObject
            {
                ["name"] = name,
                ["schema"] = schema.DeepClone(),
                ["instances"] = new JsonArray([.. instances.Select(i => (JsonNode)i)]),
            });
        }
        var directory = Directory.CreateTempSubdirectory("constraints-validate");
        try
        {
            var input = Path.Combine(directory.FullName, "batch.json");
            var script = Path.Combine(directory.FullName, "validate.py");
            File.WriteAllText(input, batch.ToJsonString());
            File.WriteAllText(script, Script);
            using var process = Process.Start(new ProcessStartInfo("python3", [script, input])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"python validator failed: {stderr}");
            var failures = JsonNode.Parse(stdout)!.AsArray();
            return [.. failures.Select(f => new Failure(f!["name"]!.GetValue<string>(), f["instance"]!.GetValue<string>(), f["error"]!.GetValue<string>()))];
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public static void AssertParses(string text) => JsonDocument.Parse(text).Dispose();
}
