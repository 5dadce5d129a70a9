using System.Globalization;
using System.Text.Json.Nodes;

namespace Cluster.Training;

/// <summary>
/// Generates the demo model's synthetic tool-use conversations, seeded. Training and evaluation draw from disjoint
/// material: evaluation (<see cref="HeldOut"/>) uses phrasings, cities, values and generated tool names that training
/// never shows, so its figures measure whether the model reads the request and the tool list rather than recalls them.
/// </summary>
public sealed class DemoData(int seed, bool heldOut, bool inventedToolNames = false)
{
    private readonly Random _random = new(seed);

    public bool HeldOut { get; } = heldOut;

    private static readonly string[] TrainCities = ["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Dublin", "Oslo", "Stockholm",
        "Helsinki", "Warsaw", "Athens", "Cairo", "Nairobi", "Lagos", "Mumbai", "Delhi", "Bangkok", "Seoul", "Tokyo", "Osaka", "Beijing", "Shanghai", "Sydney",
        "Melbourne", "Auckland", "Toronto", "Chicago", "Boston", "Denver", "Seattle", "Austin", "Miami", "Lima", "Bogota", "Santiago", "Havana", "Zurich"];

    private static readonly string[] EvalCities = ["Amsterdam", "Brussels", "Budapest", "Copenhagen", "Istanbul", "Jakarta", "Manila", "Hanoi", "Montreal",
        "Vancouver", "Phoenix", "Quito", "Riga", "Tallinn", "Kyoto", "Porto", "Geneva", "Marseille", "Naples", "Dallas"];

    private static readonly string[] Currencies = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "INR"];

    private static readonly string[] Conditions = ["sunny", "cloudy", "rainy", "windy", "snowy", "foggy"];

    private static readonly string[] Verbs = ["book", "find", "cancel", "check", "send", "create", "delete", "track", "order", "search", "schedule", "rate",
        "reserve", "list", "update", "play", "share", "start", "archive", "print"];

    private static readonly string[] Nouns = ["hotel", "flight", "recipe", "package", "email", "meeting", "reminder", "movie", "song", "ticket", "invoice",
        "table", "car", "room", "note", "playlist", "report", "task", "photo", "course"];

    private static readonly DemoParameter[] ParameterPool =
    [
        new("name", "string", "A name."), new("title", "string", "A title."), new("date", "string", "A date."), new("color", "string", "A color."),
        new("language", "string", "A language."), new("code", "string", "A code."), new("place", "string", "A place."),
        new("count", "number", "How many."), new("nights", "number", "Number of nights."), new("price", "number", "A price."),
        new("quantity", "number", "A quantity."), new("days", "number", "Number of days."),
        new("priority", "string", "Priority.", ["low", "medium", "high"]), new("mode", "string", "Mode.", ["fast", "slow"]),
        new("size", "string", "Size.", ["small", "large"]),
    ];

    private static readonly string[] Words = ["Maria", "Chen", "blue", "green", "Spanish", "German", "summer trip", "budget", "Ada", "Kofi", "red",
        "Q4 review", "kitchen", "garden", "2025-03-14", "2026-11-02", "Friday", "Monday", "jazz", "north wing", "A17", "Z9"];

    private static readonly string[] EvalWords = ["Priya", "violet", "Italian", "launch plan", "Lars", "2027-05-20", "Sunday", "B42", "attic", "orange", "Yusuf"];

    private static readonly (string Ask, string Reply)[] Chats =
    [
        ("Tell me a joke.", "Why did the robot cross the road? It was programmed to."),
        ("Who are you?", "I am a small demo model that calls tools."),
        ("Say hello.", "Hello!"),
        ("Thanks!", "You're welcome."),
        ("How are you?", "I'm doing well, thank you."),
        ("Write a haiku about the sea.", "Waves fold into foam, the tide keeps its patient time, salt on the cold wind."),
        ("What is your favorite color?", "I like blue."),
        ("Good morning!", "Good morning! How can I help?"),
        ("What can you do?", "I can call the tools I am given."),
        ("Who wrote Hamlet?", "William Shakespeare wrote Hamlet."),
        ("Can you recommend a good book?", "Try a classic mystery novel."),
    ];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static readonly string[] Openings = ["Hi! ", "Hey, ", "Quick question: ", "Please help: ", "Hello. "];

    private static readonly string[] Closings = [" Thanks.", " Thank you!", " Please.", " Cheers."];

    /// <summary>
    /// A phrasing of a request: for training one of <paramref name="phrasings"/>' training sentences, sometimes with an
    /// opening or a closing around it, so the model sees a request's words in varied surroundings; for evaluation one
    /// of its held-out sentences, as it is.
    /// </summary>
    private string Phrase(DemoPhrasings phrasings)
    {
        string ask = Pick(phrasings.For(HeldOut));
        if (HeldOut) return ask;
        if (_random.Next(4) == 0) ask = Pick(Openings) + ask;
        if (_random.Next(4) == 0) ask += Pick(Closings);
        return ask;
    }

    /// <summary>
    /// A city. Training mixes in invented names (several tokens each, never a held-out name): a value the model has
    /// not seen can only be got right by copying it from the request, which is what held-out cities need.
    /// </summary>
    private string City() => HeldOut ? Pick(EvalCities) : _random.Next(5) < 2 ? Pick(TrainCities) : Capitalized(Invented());

    private static readonly string[] Onsets = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "ch", "sh"];

    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ou"];

    private static readonly HashSet<string> HeldOutValues = new(EvalCities.Concat(EvalWords), StringComparer.OrdinalIgnoreCase);

    /// <summary>An invented word of two or three syllables, never one of the held-out values.</summary>
    private string Invented()
    {
        while (true)
        {
            var word = new System.Text.StringBuilder();
            int syllables = 2 + _random.Next(2);
            for (int i = 0; i < syllables; i++) word.Append(Pick(Onsets)).Append(Pick(Vowels));
            if (_random.Next(3) == 0) word.Append(Pick(new[] { "n", "r", "s", "l", "x" }));
            string text = word.ToString();
            if (!HeldOutValues.Contains(text)) return text;
        }
    }

    private static string Capitalized(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>A string argument of a generated tool: held-out words when evaluating; otherwise known words, invented words, codes and dates.</summary>
    private string Word() => HeldOut ? Pick(EvalWords) : _random.Next(5) switch
    {
        0 => Pick(Words),
        1 => Capitalized(Invented()),
        2 => Invented() + (_random.Next(3) == 0 ? " " + Invented() : ""),
        3 => $"{(char)('A' + _random.Next(26))}{_random.Next(1, 1000)}",
        _ => $"20{_random.Next(20, 40)}-{1 + _random.Next(12):D2}-{1 + _random.Next(28):D2}",
    };

    private bool IsHeldOutPair(int verb, int noun) => (verb * 7 + noun * 3) % 6 == 0;

    /// <summary>
    /// A generated tool: a verb-noun name (held-out pairs only when evaluating) and one to three parameters. With
    /// <c>inventedToolNames</c>, half of training's names have an invented verb, noun or both ("blorou_zaiten"): a name
    /// the model cannot have seen is only got right by copying it from the tool list and the request, which is what a
    /// held-out pair of known words needs too, instead of recalling which verbs go with a noun.
    /// </summary>
    private DemoTool GeneratedTool()
    {
        int verb, noun;
        do
        {
            verb = _random.Next(Verbs.Length);
            noun = _random.Next(Nouns.Length);
        }
        while (IsHeldOutPair(verb, noun) != HeldOut);
        var parameters = ParameterPool.OrderBy(_ => _random.Next()).Take(1 + _random.Next(3)).ToList();
        string v = Verbs[verb], n = Nouns[noun];
        if (inventedToolNames && !HeldOut)
        {
            switch (_random.Next(6))
            {
                case 0: v = Invented(); break;
                case 1: n = Invented(); break;
                case 2: (v, n) = (Invented(), Invented()); break;
            }
        }
        return new DemoTool($"{v}_{n}", $"{char.ToUpperInvariant(v[0])}{v[1..]} a {n}.", parameters);
    }

    private JsonNode Value(DemoParameter p) => p.Enum is { } values ? JsonValue.Create(Pick(values))!
        : p.Type == "number" ? JsonValue.Create(1 + _random.Next(500))!
        : JsonValue.Create(Word())!;

    private static string Text(JsonNode value) => value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();

    /// <summary>
    /// The tools offered: the needed one (if any) among 0–3 others, or (one time in three) among all four named tools,
    /// in random order; what <paramref name="exclude"/> rejects is never offered. Serving offers any mix, the
    /// playground all four named tools at once.
    /// </summary>
    private List<DemoTool> Offer(DemoTool? needed, Func<DemoTool, bool>? exclude = null)
    {
        var tools = new List<DemoTool>();
        if (needed is not null) tools.Add(needed);
        void Add(DemoTool tool)
        {
            if (!tools.Any(t => t.Name == tool.Name) && !(exclude?.Invoke(tool) ?? false)) tools.Add(tool);
        }
        if (_random.Next(3) == 0)
            foreach (var named in DemoTool.Named) Add(named);
        else
            for (int others = _random.Next(4); others > 0; others--) Add(_random.Next(2) == 0 ? Pick(DemoTool.Named) : GeneratedTool());
        return tools.OrderBy(_ => _random.Next()).ToList();
    }

    private static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = text };

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };

    private JsonObject Call(string id, string name, JsonObject arguments) => new()
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["id"] = id, ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments.ToJsonString() },
        }),
    };

    private static JsonObject ToolResult(string id, JsonObject result) => new() { ["role"] = "tool", ["tool_call_id"] = id, ["content"] = result.ToJsonString() };

    private sealed record Planned(DemoTool Tool, string Ask, JsonObject Arguments, JsonObject Result, string Answer, string Value);

    private Planned PlanNamed(DemoTool tool)
    {
        switch (tool.Name)
        {
            case "get_weather":
            {
                string city = City();
                bool withUnit = _random.Next(3) == 0;
                string unit = withUnit ? Pick(new[] { "celsius", "fahrenheit" }) : "celsius";
                var args = new JsonObject { ["city"] = city };
                if (withUnit) args["unit"] = unit;
                string ask = (withUnit ? Phrase(DemoPhrasings.WeatherInUnit) : Phrase(DemoPhrasings.Weather)).Replace("{city}", city).Replace("{unit}", unit);
                int t = unit == "celsius" ? _random.Next(-5, 36) : _random.Next(25, 96);
                string condition = Pick(Conditions);
                var result = new JsonObject { ["city"] = city, ["temperature"] = t, ["unit"] = unit, ["condition"] = condition };
                return new(tool, ask, args, result, $"It is {t} degrees {unit} and {condition} in {city}.", t.ToString(CultureInfo.InvariantCulture));
            }
            case "get_time":
            {
                string city = City();
                string time = $"{_random.Next(24):D2}:{_random.Next(60):D2}";
                return new(tool, Phrase(DemoPhrasings.Time).Replace("{city}", city), new JsonObject { ["city"] = city },
                    new JsonObject { ["city"] = city, ["time"] = time }, $"The local time in {city} is {time}.", time);
            }
            case "convert_currency":
            {
                int amount = 1 + _random.Next(1000);
                string from = Pick(Currencies), to = Pick(Currencies.Where(c => c != from).ToArray());
                double converted = Math.Round(amount * (0.2 + _random.NextDouble() * 2), 2);
                string value = converted.ToString("0.00", CultureInfo.InvariantCulture);
                return new(tool, Phrase(DemoPhrasings.Currency).Replace("{amount}", amount.ToString(CultureInfo.InvariantCulture)).Replace("{from}", from).Replace("{to}", to),
                    new JsonObject { ["amount"] = amount, ["from"] = from, ["to"] = to },
                    new JsonObject { ["amount"] = amount, ["from"] = from, ["to"] = to, ["result"] = converted }, $"{amount} {from} is {value} {to}.", value);
            }
            default:
            {
                int a = _random.Next(1000), b = _random.Next(1000);
                return new(tool, Phrase(DemoPhrasings.Addition).Replace("{a}", a.ToString(CultureInfo.InvariantCulture)).Replace("{b}", b.ToString(CultureInfo.InvariantCulture)),
                    new JsonObject { ["a"] = a, ["b"] = b }, new JsonObject { ["result"] = a + b }, $"{a} plus {b} is {a + b}.", (a + b).ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private Planned PlanGenerated(DemoTool tool)
    {
        var args = new JsonObject();
        foreach (var p in tool.Parameters) args[p.Name] = Value(p);
        string listed = string.Join(", ", args.Select(a => $"{a.Key} {Text(a.Value!)}"));
        string verb = tool.Name[..tool.Name.IndexOf('_')], noun = tool.Name[(tool.Name.IndexOf('_') + 1)..];
        string ask = Phrase(DemoPhrasings.Action).Replace("{verb}", verb).Replace("{Verb}", char.ToUpperInvariant(verb[0]) + verb[1..]).Replace("{noun}", noun).Replace("{args}", listed);
        string reference = $"{(char)('A' + _random.Next(26))}{_random.Next(100, 1000)}";
        return new(tool, ask, args, new JsonObject { ["status"] = "ok", ["reference"] = reference }, $"Done. The {noun} reference is {reference}.", reference);
    }

    private int _calls;

    private string CallId() => $"call_{++_calls:D4}";

    /// <summary>
    /// A conversation for training: one to four requests under one tool list, each a call, its result and the answer
    /// that uses it, or (one in five) a request no offered tool fits, answered in text. Later requests reuse the long
    /// system prompt, so a training step learns more replies for the tokens it reads.
    /// </summary>
    public DemoConversation NextTraining()
    {
        var tools = Offer(_random.Next(2) == 0 ? Pick(DemoTool.Named) : GeneratedTool());
        var messages = new JsonArray();
        string kind = "";
        int requests = _random.Next(5) < 2 ? 1 : 2 + _random.Next(3);
        for (int i = 0; i < requests; i++)
        {
            if (_random.Next(5) == 0)
            {
                var (ask, reply) = NoFitRequest(tools);
                messages.Add(User(ask));
                messages.Add(Assistant(reply));
                if (i == 0) kind = "no-fit";
                continue;
            }
            var tool = Pick(tools);
            bool named = DemoTool.Named.Contains(tool);
            var planned = named ? PlanNamed(tool) : PlanGenerated(tool);
            string id = CallId();
            messages.Add(User(planned.Ask));
            messages.Add(Call(id, planned.Tool.Name, planned.Arguments));
            messages.Add(ToolResult(id, planned.Result));
            messages.Add(Assistant(planned.Answer));
            if (i == 0) kind = named ? "named" : "generated";
        }
        return new DemoConversation(kind, tools, messages, DemoExpectation.Answer);
    }

    private const string NoTool = "I can't do that: no tool for it is available.";

    /// <summary>A request none of <paramref name="tools"/> fits and its text reply: a known tool that is not offered, a generated one that is not, or chit-chat.</summary>
    private (string Ask, string Reply) NoFitRequest(IReadOnlyList<DemoTool> tools)
    {
        var missing = DemoTool.Named.Where(t => !tools.Contains(t)).ToList();
        switch (_random.Next(3))
        {
            case 0 when missing.Count > 0:
                return (PlanNamed(Pick(missing)).Ask, NoTool);
            case 1:
                // An action whose verb and noun match no offered tool: the tool list, not the request's shape, decides.
                var wanted = GeneratedTool();
                if (tools.All(t => t.Name != wanted.Name)) return (PlanGenerated(wanted).Ask, NoTool);
                break;
        }
        return ChitChat();
    }

    // Questions no tool answers, with a subject filled in: the model learns the class, not a list of sentences.
    private static readonly string[] Questions = ["Who painted {Subject}?", "What is the capital of {Subject}?", "Tell me about {subject}.",
        "What does {subject} mean?", "Why is the sky {subject}?", "How old is {Subject}?", "Do you like {subject}?", "Explain {subject} to me.",
        "What's your opinion on {subject}?", "Sing me a song about {subject}.", "Where is {Subject}?", "Is {Subject} famous?",
        "Can you recommend a {subject}?", "Could you describe {subject}?", "Can you explain {subject}?", "Would you write a poem about {subject}?"];

    private const string CannotAnswer = "I can only help with the tools I have, and none of them answers that.";

    /// <summary>
    /// Chit-chat and its reply: training draws the first chats or a question with a random subject; evaluation only
    /// the last two chats, whose sentences training never shows.
    /// </summary>
    private (string Ask, string Reply) ChitChat()
    {
        if (HeldOut) return Chats[Chats.Length - 1 - _random.Next(2)];
        if (_random.Next(2) == 0) return Chats[_random.Next(Chats.Length - 2)];
        string subject = _random.Next(3) switch { 0 => Invented(), 1 => Pick(Nouns), _ => Pick(Words) };
        return (Pick(Questions).Replace("{subject}", subject).Replace("{Subject}", Capitalized(subject)), CannotAnswer);
    }

    /// <summary>A request with tools none of which fits: answered in text.</summary>
    private DemoConversation NoFit()
    {
        var wanted = _random.Next(2) == 0 ? Pick(DemoTool.Named) : null;
        string ask = wanted is null ? ChitChat().Ask : PlanNamed(wanted).Ask;
        return new DemoConversation("no-fit", Offer(null, t => t == wanted), new JsonArray(User(ask)), DemoExpectation.Text);
    }

    private static readonly string[] DrillKeys = ["city", "amount", "from", "to", "a", "b", "name", "title", "code", "date", "count", "price", "reference",
        "temperature", "time", "result", "place", "color", "days"];

    /// <summary>A value of any kind the conversations carry: a city, a word, a number, an amount, a time, a currency, a reference.</summary>
    private JsonNode DrillValue() => _random.Next(7) switch
    {
        0 => JsonValue.Create(City())!,
        1 => JsonValue.Create(Word())!,
        2 => JsonValue.Create(_random.Next(1, 1000))!,
        3 => JsonValue.Create(Math.Round(_random.NextDouble() * 2000, 2))!,
        4 => JsonValue.Create($"{_random.Next(24):D2}:{_random.Next(60):D2}")!,
        5 => JsonValue.Create(Pick(Currencies))!,
        _ => JsonValue.Create($"{(char)('A' + _random.Next(26))}{_random.Next(100, 1000)}")!,
    };

    /// <summary>
    /// A copying drill, outside any chat: a JSON object of random values, then some of its keys again with the value
    /// to recall (learned), or a request repeated word for word (learned). Filling in arguments and quoting a tool
    /// result are this skill; short drills teach it in a fraction of the compute whole conversations take.
    /// </summary>
    public IReadOnlyList<(string Text, bool Learn)> NextDrill()
    {
        var segments = new List<(string, bool)>();
        if (_random.Next(3) == 0)
        {
            string ask = _random.Next(2) == 0 ? PlanGenerated(GeneratedTool()).Ask : PlanNamed(Pick(DemoTool.Named)).Ask;
            segments.Add(($"Say: {ask}\nSaid: ", false));
            segments.Add((ask, true));
            return segments;
        }
        var pairs = new JsonObject();
        foreach (string key in DrillKeys.OrderBy(_ => _random.Next()).Take(2 + _random.Next(4))) pairs[key] = DrillValue();
        // Tool results come compact, call arguments spaced (the template's tojson): drills use both.
        string json = pairs.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        segments.Add((_random.Next(2) == 0 ? json : json.Replace("\":", "\": ").Replace(",\"", ", \""), false));
        foreach (var (key, value) in pairs.OrderBy(_ => _random.Next()).Take(1 + _random.Next(pairs.Count)))
        {
            // Recalled as JSON (arguments) or as plain text (an answer quoting a result).
            bool asJson = _random.Next(2) == 0;
            segments.Add((asJson ? $"\n\"{key}\": " : $"\nThe {key} is ", false));
            segments.Add((asJson ? value!.ToJsonString() : Text(value!), true));
        }
        return segments;
    }

    /// <summary>
    /// An argument drill: a request (named or generated tool, as the conversations phrase them) and its call, with no
    /// tool list, for <see cref="DemoExample.EncodeArguments"/>. Finding a value in a request and copying it exactly is
    /// most of what a call needs; a conversation teaches it a few tokens per several hundred read, this drill a
    /// dozen per fifty.
    /// </summary>
    public DemoConversation NextArgumentDrill()
    {
        var planned = _random.Next(2) == 0 ? PlanNamed(Pick(DemoTool.Named)) : PlanGenerated(GeneratedTool());
        return new DemoConversation("arguments", [], new JsonArray(User(planned.Ask), Call(CallId(), planned.Tool.Name, planned.Arguments)),
            DemoExpectation.Call, planned.Tool.Name, planned.Arguments);
    }

    /// <summary>One item of a repeat drill: any kind of value the conversations carry, or a word or mark around them.</summary>
    private string RepeatItem() => _random.Next(10) switch
    {
        0 or 1 => Invented(),
        2 => Capitalized(Invented()),
        3 => City(),
        4 => Word(),
        5 => _random.Next(1, 10000).ToString(CultureInfo.InvariantCulture),
        6 => Math.Round(_random.NextDouble() * 2000, 2).ToString("0.00", CultureInfo.InvariantCulture),
        7 => Pick(Currencies),
        8 => Pick(DrillKeys),
        _ => Pick(Marks),
    };

    private static readonly string[] Marks = [",", ":", "\"", "{", "}", "_", "-", ".", "(", ")"];

    /// <summary>
    /// A repeat drill: a line of random items, then the same line again, learned. Nothing but the first line predicts
    /// the second, so every learned token teaches the induction step (find where the previous token occurred, copy what
    /// followed) that carries a multi-token value from a request or a tool result into a reply; the other drills and the
    /// conversations teach where a value starts.
    /// </summary>
    public IReadOnlyList<(string Text, bool Learn)> NextRepeatDrill()
    {
        var items = new List<string>();
        int count = 8 + _random.Next(17);
        for (int i = 0; i < count; i++) items.Add(RepeatItem());
        string line = string.Join(_random.Next(2) == 0 ? " " : ", ", items);
        return [(line + "\n", false), (line, true)];
    }

    /// <summary>An evaluation request of <paramref name="kind"/>: <c>named</c>, <c>generated</c>, <c>no-fit</c> or <c>answer</c>.</summary>
    public DemoConversation NextEvaluation(string kind)
    {
        switch (kind)
        {
            case "named":
            case "generated":
            {
                var planned = kind == "named" ? PlanNamed(Pick(DemoTool.Named)) : PlanGenerated(GeneratedTool());
                return new DemoConversation(kind, Offer(planned.Tool), new JsonArray(User(planned.Ask)), DemoExpectation.Call, planned.Tool.Name, planned.Arguments);
            }
            case "no-fit":
                return NoFit();
            default:
            {
                var planned = _random.Next(2) == 0 ? PlanNamed(Pick(DemoTool.Named)) : PlanGenerated(GeneratedTool());
                string id = CallId();
                var messages = new JsonArray(User(planned.Ask), Call(id, planned.Tool.Name, planned.Arguments), ToolResult(id, planned.Result));
                return new DemoConversation("answer", Offer(planned.Tool), messages, DemoExpectation.Answer, planned.Tool.Name, planned.Arguments, planned.Value);
            }
        }
    }
}
