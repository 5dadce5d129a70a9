namespace Cluster.Training;

/// <summary>
/// The ways one kind of request is phrased: every frame ("Can you tell me {np}?") around every core ("the weather in
/// {city}"), plus whole sentences that fit no frame. A fixed fifth of the frame-core combinations (and a quarter of the
/// sentences) is held out for evaluation: a held-out request is a sentence training never shows, made of a frame and a
/// core it shows elsewhere, so reading it takes what the model learned about each part rather than a recalled sentence.
/// </summary>
internal sealed class DemoPhrasings
{
    private readonly string[] _training;
    private readonly string[] _heldOut;

    public DemoPhrasings(IReadOnlyList<string> frames, IReadOnlyList<string> cores, IReadOnlyList<string> sentences)
    {
        var training = new List<string>();
        var heldOut = new List<string>();
        for (int f = 0; f < frames.Count; f++)
            for (int c = 0; c < cores.Count; c++)
                // (3f + 2c) mod 5 picks one combination in five, spread over every frame and every core; frames 0 and 1
                // with core 0 ("What's / What is the weather in {city}?", the README's and the playground's question)
                // are never held out.
                ((3 * f + 2 * c) % 5 == 4 ? heldOut : training).Add(Compose(frames[f], cores[c]));
        for (int s = 0; s < sentences.Count; s++) (s % 4 == 3 ? heldOut : training).Add(sentences[s]);
        _training = [.. training];
        _heldOut = [.. heldOut];
    }

    public IReadOnlyList<string> For(bool heldOut) => heldOut ? _heldOut : _training;

    /// <summary>A frame's <c>{np}</c> replaced by the core; <c>{Np}</c> by the core capitalized (a leading <c>{verb}</c> becomes <c>{Verb}</c>).</summary>
    private static string Compose(string frame, string core)
    {
        string capitalized = core.StartsWith("{verb}", StringComparison.Ordinal) ? "{Verb}" + core["{verb}".Length..]
            : core.StartsWith('{') ? core : char.ToUpperInvariant(core[0]) + core[1..];
        return frame.Replace("{Np}", capitalized, StringComparison.Ordinal).Replace("{np}", core, StringComparison.Ordinal);
    }

    // Frames for asking for information: weather, time, a conversion, a sum.
    private static readonly string[] AskFrames = ["What's {np}?", "What is {np}?", "Tell me {np}.", "Can you tell me {np}?", "Could you check {np}?",
        "Please look up {np}.", "I'd like to know {np}.", "Do you know {np}?", "Give me {np}, please.", "{Np}?", "Check {np} for me.", "I need {np}.",
        "Find out {np}.", "Let me know {np}.", "Can you get {np}?", "Look up {np}.", "I want to know {np}.", "Would you tell me {np}?", "Show me {np}.",
        "Quick question: what's {np}?"];

    public static readonly DemoPhrasings Weather = new(AskFrames,
        ["the weather in {city}", "the weather for {city}", "the current weather in {city}", "today's weather in {city}", "the forecast for {city}",
            "the conditions in {city}", "the weather over in {city}", "the temperature in {city}", "the weather in {city} today", "the weather in {city} right now"],
        ["Is it raining in {city}?", "weather in {city}", "How is the weather in {city} today?", "What is it like outside in {city}?", "How warm is it in {city}?",
            "Is it cold in {city}?", "I'm traveling to {city}; what's the weather like there?", "Is it sunny in {city}?"]);

    public static readonly DemoPhrasings WeatherInUnit = new(AskFrames,
        ["the weather in {city} in {unit}", "the temperature in {city} in {unit}", "the current conditions in {city} in {unit}", "the weather for {city} in {unit}",
            "the temperature for {city}, in {unit}"],
        ["Check the temperature in {city} in {unit}, please.", "How hot is it in {city}, in {unit}?", "weather in {city} in {unit}",
            "In {unit}, how warm is it in {city}?"]);

    public static readonly DemoPhrasings Time = new(AskFrames,
        ["the time in {city}", "the local time in {city}", "the current time in {city}", "the time right now in {city}", "the time over in {city}",
            "the clock time in {city}", "the hour in {city}", "the local time for {city}"],
        ["What time is it in {city}?", "current time in {city}", "What's the hour in {city} right now?", "Do you know what time it is over in {city}?",
            "time in {city}", "Is it late in {city}?", "How late is it in {city}?", "What time do they have in {city}?"]);

    public static readonly DemoPhrasings Currency = new(AskFrames,
        ["{amount} {from} in {to}", "{amount} {from} converted to {to}", "the value of {amount} {from} in {to}", "{amount} {from} to {to}",
            "{amount} {from} expressed in {to}", "the price of {amount} {from} in {to}", "{amount} {from} in {to} money"],
        ["Convert {amount} {from} to {to}.", "How much is {amount} {from} in {to}?", "What are {amount} {from} worth in {to}?",
            "I have {amount} {from}. What is that in {to}?", "Change {amount} {from} into {to}.", "{amount} {from} to {to} please",
            "How many {to} do I get for {amount} {from}?", "Exchange {amount} {from} for {to}."]);

    public static readonly DemoPhrasings Addition = new(AskFrames,
        ["{a} plus {b}", "the sum of {a} and {b}", "{a} + {b}", "{a} and {b} added together", "the total of {a} and {b}", "the result of adding {a} and {b}",
            "{a} added to {b}"],
        ["Add {a} and {b}.", "Compute {a} + {b}.", "sum of {a} and {b}", "Please add up {a} and {b} for me.", "How much is {a} plus {b}?",
            "Add up {a} and {b}.", "{a} + {b} = ?", "What do {a} and {b} make together?"]);

    /// <summary>Requests for a generated tool's action: <c>{verb}</c>, <c>{noun}</c> and <c>{args}</c> (its arguments as "name value, ...").</summary>
    public static readonly DemoPhrasings Action = new(
        ["Please {np}.", "Can you {np}?", "Could you {np}?", "I want to {np}.", "I'd like to {np}.", "Help me {np}.", "Go ahead and {np}.", "{Np}.",
            "Would you {np}?", "I need to {np}.", "Kindly {np}.", "Can you please {np}?"],
        ["{verb} a {noun} with {args}", "{verb} a {noun}: {args}", "{verb} a {noun} ({args})", "{verb} a {noun} using {args}", "{verb} a {noun}, {args}",
            "{verb} a {noun} for me with {args}", "{verb} a {noun} for me, using {args}", "{verb} a {noun} where {args}", "{verb} the {noun} with {args}",
            "{verb} one {noun} with {args}"],
        ["{verb} {noun}: {args}", "New request, {verb} a {noun}. {args}.", "{noun} to {verb}, {args}", "Time to {verb} a {noun}! {args}."]);
}
