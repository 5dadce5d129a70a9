using Cluster.Engine.TinyModels;
using Cluster.Engine.Tokenization;
using Cluster.Training;

namespace Cluster.Engine.Tests;

/// <summary>
/// The tokenizer <c>train-demo-model --separate-words</c> trains with (<see cref="DemoModelTrainer.Vocabulary"/>):
/// learned from training conversations only, so a held-out request's values are spelled from pieces like any unseen
/// word; and a word is the same tokens in a request, in a tool's name and in a call's arguments, so copying and
/// matching them is token identity.
/// </summary>
public sealed class DemoVocabularyTests
{
    private static readonly Lazy<(TinyModelVocabulary Vocabulary, HfTokenizer Tokenizer)> Demo = new(() =>
    {
        var vocabulary = DemoModelTrainer.Vocabulary(seed: 2);
        var path = Path.Combine(Path.GetTempPath(), "demo-vocabulary-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            TinyModelTokenizer.For(vocabulary).WriteTokenizerJson(path);
            return (vocabulary, HfTokenizer.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    });

    [Fact]
    public void The_vocabulary_learns_from_no_held_out_value()
    {
        var (vocabulary, tokenizer) = Demo.Value;
        var heldOut = new DemoData(seed: 5, heldOut: true);
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in new[] { "named", "generated", "answer" })
        {
            for (int i = 0; i < 60; i++)
            {
                var conversation = heldOut.NextEvaluation(kind);
                var parameters = conversation.Tools.Single(t => t.Name == conversation.CallName).Parameters;
                foreach (var (name, value) in conversation.CallArguments!)
                {
                    // An enum's values are the tool's own, in training as in evaluation; the request's values are held out.
                    bool free = parameters.Single(p => p.Name == name).Enum is null;
                    if (free && value!.GetValueKind() == System.Text.Json.JsonValueKind.String) values.Add(value.GetValue<string>());
                }
            }
        }
        Assert.NotEmpty(values);
        // (The embedded English corpus may still know a held-out word, as a real tokenizer would.)
        foreach (var value in values.Where(v => v.All(char.IsLetter) && v.Length > 4))
            Assert.DoesNotContain(value, vocabulary.ExtraCorpus, StringComparison.Ordinal);
        Assert.True(tokenizer.Encode("Amsterdam", allowSpecialTokens: false).Count > 1);
    }

    [Fact]
    public void A_word_is_the_same_tokens_in_a_request_a_tool_name_and_a_call()
    {
        var (_, tokenizer) = Demo.Value;
        foreach (var word in new[] { "Amsterdam", "weather", "hotel", "Priya", "reserve" })
        {
            var ids = tokenizer.Encode(word, allowSpecialTokens: false);
            foreach (var text in new[] { $"What is the weather in {word} today?", $"\"name\": \"get_{word}\"", $"{{\"city\": \"{word}\"}}", $"I'd like to {word}." })
            {
                var encoded = tokenizer.Encode(text, allowSpecialTokens: false).ToArray();
                Assert.True(encoded.AsSpan().IndexOf(ids.ToArray()) >= 0, $"'{text}' does not hold the tokens of '{word}'");
            }
        }
        // The data's own words are whole tokens.
        foreach (var word in new[] { "weather", "hotel", "reserve", "city", "arguments" })
            Assert.Single(tokenizer.Encode(word, allowSpecialTokens: false));
    }
}
