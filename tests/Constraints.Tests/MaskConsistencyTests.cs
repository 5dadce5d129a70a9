using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

/// <summary>
/// The mask is computed by shortcuts (cached per state, whole token groups for string bodies and byte runs, escapes out of
/// recursive rules); advancing simulates one token byte by byte. Along random walks they must agree on every token.
/// </summary>
public sealed class MaskConsistencyTests
{
    public static TheoryData<string> Grammars()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in SchemaCorpus.All) data.Add(name);
        data.Add("lazy-tool-call");
        data.Add("regex-free-text");
        return data;
    }

    private static Grammar Build(string name) => name switch
    {
        "lazy-tool-call" => Grammar.Lazy([TestVocabularies.ToolCallStart], Grammar.Sequence(
            Grammar.Marker(TestVocabularies.ToolCallStart),
            Grammar.Literal("\n{\"name\": \"f\", \"arguments\": "),
            Grammar.JsonSchema(JsonNode.Parse("""{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}""")),
            Grammar.Literal("}\n"),
            Grammar.Marker(TestVocabularies.ToolCallEnd))),
        "regex-free-text" => Grammar.Regex("[^;]{0,40};[a-z0-9_]{1,12}\\.[a-z]{2,3}"),
        _ => Grammar.JsonSchema(SchemaCorpus.Parse(SchemaCorpus.All.First(s => s.Name == name).Schema)),
    };

    [Theory]
    [MemberData(nameof(Grammars))]
    public void MaskMatchesTokenByTokenSimulation(string name)
    {
        var vocabulary = TestVocabularies.ByteLevelBpe;
        var compiled = GrammarCompiler.Compile(Build(name), vocabulary);
        var random = new Random(name.Length * 7919);
        var mask = new uint[vocabulary.MaskWords];
        for (var walk = 0; walk < 3; walk++)
        {
            var matcher = compiled.CreateMatcher();
            for (var step = 0; step < 40 && !matcher.IsFinished; step++)
            {
                matcher.FillMask(mask);
                var allowed = new List<int>();
                for (var id = 0; id < vocabulary.Size; id++)
                {
                    var inMask = TokenBitmask.IsSet(mask, id);
                    Assert.True(inMask == matcher.IsAllowed(id), $"{name}, step {step}: token {id} '{System.Text.Encoding.UTF8.GetString(vocabulary.GetTokenBytes(id))}' mask={inMask}");
                    if (inMask && !vocabulary.IsEos(id)) allowed.Add(id);
                }
                if (allowed.Count == 0) break;
                Assert.True(matcher.TryAdvance(allowed[random.Next(allowed.Count)]));
            }
        }
    }
}
