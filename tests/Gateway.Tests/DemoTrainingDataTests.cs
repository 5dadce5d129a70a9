using System.Text.Json.Nodes;
using Cluster.ChatTemplates;
using Cluster.Engine.ModelFiles;
using Cluster.Training;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The demo model's training data: what it learns is exactly the assistant replies (calls in the hermes format the
/// parser reads, and answers), each ending its turn, after the prompt exactly as serving renders and tokenizes it;
/// and evaluation requests are held out from training.
/// </summary>
public sealed class DemoTrainingDataTests
{
    private static readonly ModelFolder Demo = ModelFolder.Load(DemoModelLocation.Find()!, withWeights: false);

    [Fact]
    public void Training_learns_the_replies_after_the_served_prompt()
    {
        var template = ChatTemplate.Compile(Demo.ToolUseChatTemplate!);
        var tokenizer = Demo.Tokenizer;
        var data = new DemoData(seed: 3, heldOut: false);
        for (int i = 0; i < 40; i++)
        {
            var conversation = data.NextTraining();
            var example = DemoExample.Encode(conversation, template, tokenizer);
            // The learned spans, decoded, are the assistant turns of the conversation.
            var spans = new List<string>();
            for (int t = 0; t < example.TokenIds.Length; t++)
            {
                if (!example.Learn[t]) continue;
                int start = t;
                while (t < example.TokenIds.Length && example.Learn[t]) t++;
                spans.Add(tokenizer.Decode(example.TokenIds[start..t], skipSpecialTokens: false));
            }
            var replies = conversation.Messages.Where(m => m!["role"]!.GetValue<string>() == "assistant").ToList();
            Assert.Equal(replies.Count, spans.Count);
            for (int r = 0; r < replies.Count; r++)
            {
                Assert.EndsWith("<|im_end|>", spans[r]);
                if (replies[r]!["tool_calls"] is JsonArray calls)
                    Assert.StartsWith("<tool_call>\n{\"name\": \"" + calls[0]!["function"]!["name"]!.GetValue<string>() + "\"", spans[r]);
                else Assert.Equal(replies[r]!["content"]!.GetValue<string>() + "<|im_end|>", spans[r]);
            }
            // Before the first reply: the prompt exactly as serving tokenizes it (the whole rendered text at once).
            string prompt = template.Apply(new ChatTemplateContext
            {
                Messages = new JsonArray(conversation.Messages[0]!.DeepClone()),
                Tools = conversation.ToolsJson(),
                AddGenerationPrompt = true,
                BosToken = tokenizer.BosToken,
                EosToken = tokenizer.EosToken,
            });
            var served = tokenizer.Encode(prompt, allowSpecialTokens: true);
            Assert.Equal(served, example.TokenIds[..served.Count]);
            Assert.DoesNotContain(true, example.Learn[..served.Count]);
        }
    }

    [Fact]
    public void Argument_drills_learn_exactly_the_call_arguments_and_the_end_of_the_turn()
    {
        var template = ChatTemplate.Compile(Demo.ToolUseChatTemplate!);
        var tokenizer = Demo.Tokenizer;
        var data = new DemoData(seed: 5, heldOut: false);
        for (int i = 0; i < 40; i++)
        {
            var drill = data.NextArgumentDrill();
            var example = DemoExample.EncodeArguments(drill, template, tokenizer);
            int first = Array.IndexOf(example.Learn, true);
            Assert.True(first > 0);
            Assert.DoesNotContain(false, example.Learn[first..]);
            string learned = tokenizer.Decode(example.TokenIds[first..], skipSpecialTokens: false);
            string arguments = learned[..learned.LastIndexOf("}\n</tool_call>", StringComparison.Ordinal)];
            Assert.True(JsonNode.DeepEquals(drill.CallArguments, JsonNode.Parse(arguments)), learned);
            Assert.EndsWith("}\n</tool_call><|im_end|>", learned);
            // The tokens are those of the whole text encoded at once, as serving would see the reply.
            string whole = tokenizer.Decode(example.TokenIds, skipSpecialTokens: false);
            Assert.Equal(tokenizer.Encode(whole, allowSpecialTokens: true), example.TokenIds);
            Assert.EndsWith("\"arguments\":", tokenizer.Decode(example.TokenIds[..first], skipSpecialTokens: false));
        }
    }

    [Fact]
    public void Evaluation_requests_are_held_out_from_training()
    {
        var training = new DemoData(seed: 1, heldOut: false);
        var seen = Enumerable.Range(0, 3000).SelectMany(_ => training.NextTraining().Messages.Where(m => m!["role"]!.GetValue<string>() == "user"))
            .Select(m => m!["content"]!.GetValue<string>()).ToHashSet();
        var evaluation = new DemoData(seed: 1, heldOut: true);
        foreach (string kind in DemoEvaluation.Kinds)
            for (int i = 0; i < 50; i++)
                Assert.DoesNotContain(evaluation.NextEvaluation(kind).Messages[0]!["content"]!.GetValue<string>(), seen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evaluation_tools_are_named_as_no_training_tool_is(bool inventedToolNames)
    {
        var training = new DemoData(seed: 1, heldOut: false, inventedToolNames);
        var names = Enumerable.Range(0, 3000).SelectMany(_ => training.NextTraining().Tools).Select(t => t.Name).ToHashSet();
        // With invented names, training's tools use far more verbs than the 20 known ones, so a name cannot be recalled.
        var verbs = names.Where(n => DemoTool.Named.All(t => t.Name != n)).Select(n => n[..n.IndexOf('_')]).ToHashSet();
        Assert.True(inventedToolNames ? verbs.Count > 200 : verbs.Count <= 20, $"training's generated tools use {verbs.Count} verbs");
        var evaluation = new DemoData(seed: 1, heldOut: true);
        for (int i = 0; i < 100; i++)
            Assert.DoesNotContain(evaluation.NextEvaluation("generated").CallName!, names);
    }
}
