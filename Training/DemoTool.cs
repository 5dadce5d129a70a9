using System.Text.Json.Nodes;

namespace Cluster.Training;

/// <summary>A parameter of a demo tool: a string, a number, or one of a few enum values.</summary>
public sealed record DemoParameter(string Name, string Type, string Description, IReadOnlyList<string>? Enum = null, bool Required = true);

/// <summary>A function tool of the demo data, in OpenAI's shape.</summary>
public sealed record DemoTool(string Name, string Description, IReadOnlyList<DemoParameter> Parameters)
{
    public JsonObject ToOpenAI()
    {
        var properties = new JsonObject();
        foreach (var p in Parameters)
        {
            var schema = new JsonObject { ["type"] = p.Type, ["description"] = p.Description };
            if (p.Enum is { } values) schema["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
            properties[p.Name] = schema;
        }
        return new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = Name,
                ["description"] = Description,
                ["parameters"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = properties,
                    ["required"] = new JsonArray(Parameters.Where(p => p.Required).Select(p => (JsonNode)JsonValue.Create(p.Name)).ToArray()),
                },
            },
        };
    }

    public static readonly DemoTool GetWeather = new("get_weather", "Get the current weather in a city.",
        [new("city", "string", "The city name."), new("unit", "string", "Temperature unit.", ["celsius", "fahrenheit"], Required: false)]);

    public static readonly DemoTool GetTime = new("get_time", "Get the current local time in a city.", [new("city", "string", "The city name.")]);

    public static readonly DemoTool ConvertCurrency = new("convert_currency", "Convert an amount of money from one currency to another.",
        [new("amount", "number", "The amount to convert."), new("from", "string", "Currency code to convert from, e.g. USD."), new("to", "string", "Currency code to convert to, e.g. EUR.")]);

    public static readonly DemoTool AddNumbers = new("add_numbers", "Add two numbers.", [new("a", "number", "The first number."), new("b", "number", "The second number.")]);

    /// <summary>The four tools the demo model knows by name.</summary>
    public static IReadOnlyList<DemoTool> Named { get; } = [GetWeather, GetTime, ConvertCurrency, AddNumbers];
}
