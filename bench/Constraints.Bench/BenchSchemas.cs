using System.Text.Json.Nodes;

namespace Cluster.Constraints.Bench;

/// <summary>Tool-parameter and response-format schemas of the kind served in production, plus tool-call envelopes around them.</summary>
internal static class BenchSchemas
{
    public static IReadOnlyList<(string Name, string Schema)> Schemas { get; } =
    [
        ("get_weather", """{"type":"object","properties":{"location":{"type":"string","description":"City and country"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location","unit"],"additionalProperties":false}"""),
        ("search_web", """{"type":"object","properties":{"query":{"type":"string"},"max_results":{"type":"integer","minimum":1,"maximum":50},"site":{"type":["string","null"]}},"required":["query","max_results","site"],"additionalProperties":false}"""),
        ("create_event", """{"type":"object","properties":{"title":{"type":"string","maxLength":100},"start":{"type":"string","format":"date-time"},"end":{"type":"string","format":"date-time"},"attendees":{"type":"array","items":{"type":"string","format":"email"},"maxItems":10},"location":{"type":"string"}},"required":["title","start","end"],"additionalProperties":false}"""),
        ("send_email", """{"type":"object","properties":{"to":{"type":"array","items":{"type":"string","format":"email"},"minItems":1,"maxItems":5},"subject":{"type":"string","maxLength":120},"body":{"type":"string"},"priority":{"enum":["low","normal","high"]}},"required":["to","subject","body"],"additionalProperties":false}"""),
        ("sql_query", """{"type":"object","properties":{"database":{"enum":["sales","inventory","hr"]},"query":{"type":"string","pattern":"^(SELECT|WITH) [^;]*$"},"limit":{"type":"integer","minimum":1,"maximum":1000}},"required":["database","query"],"additionalProperties":false}"""),
        ("order", """{"type":"object","properties":{"order_id":{"type":"string","format":"uuid"},"items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]{4}$"},"quantity":{"type":"integer","minimum":1,"maximum":99},"price":{"type":"number","minimum":0}},"required":["sku","quantity","price"],"additionalProperties":false},"minItems":1},"shipping":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"},"country":{"type":"string","enum":["US","CA","MX"]}},"required":["street","city","zip","country"]}},"required":["order_id","items","shipping"],"additionalProperties":false}"""),
        ("extract_entities", """{"type":"object","properties":{"people":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":["integer","null"],"minimum":0,"maximum":150},"role":{"type":"string"}},"required":["name"]}},"places":{"type":"array","items":{"type":"string"}},"sentiment":{"enum":["positive","neutral","negative"]}},"required":["people","places","sentiment"],"additionalProperties":false}"""),
        ("file_tree", """{"$defs":{"entry":{"type":"object","properties":{"name":{"type":"string"},"kind":{"enum":["file","dir"]},"size":{"type":"integer","minimum":0},"children":{"type":"array","items":{"$ref":"#/$defs/entry"}}},"required":["name","kind"],"additionalProperties":false}},"$ref":"#/$defs/entry"}"""),
        ("classify", """{"type":"object","properties":{"label":{"enum":["spam","ham","unknown"]},"confidence":{"type":"number","minimum":0,"maximum":1},"reasons":{"type":"array","items":{"type":"string","maxLength":200},"maxItems":3}},"required":["label","confidence"],"additionalProperties":false}"""),
        ("run_code", """{"type":"object","properties":{"language":{"enum":["python","javascript","bash"]},"code":{"type":"string"},"timeout_s":{"type":"integer","minimum":1,"maximum":600},"env":{"type":"object","additionalProperties":{"type":"string"}}},"required":["language","code"],"additionalProperties":false}"""),
        ("json_object", """{"type":"object"}"""),
        ("person_anyof", """{"type":"object","properties":{"id":{"anyOf":[{"type":"integer","minimum":1},{"type":"string","format":"uuid"}]},"contact":{"oneOf":[{"type":"object","properties":{"email":{"type":"string","format":"email"}},"required":["email"],"additionalProperties":false},{"type":"object","properties":{"phone":{"type":"string","pattern":"^\\+[0-9]{7,15}$"}},"required":["phone"],"additionalProperties":false}]},"birthday":{"type":"string","format":"date"},"ip":{"type":"string","format":"ipv4"}},"required":["id","contact"],"additionalProperties":false}"""),
    ];

    /// <summary>The Hermes/Qwen tool-call envelope around a tool's parameters schema.</summary>
    public static Grammar ToolCall(string name, JsonNode parameters) => Grammar.Sequence(
        Grammar.Marker("<tool_call>"),
        Grammar.Literal($"\n{{\"name\": \"{name}\", \"arguments\": "),
        Grammar.JsonSchema(parameters),
        Grammar.Literal("}\n"),
        Grammar.Marker("</tool_call>"));
}
