using Cluster.ChatTemplates;
using Cluster.Engine.Tokenization;

namespace Cluster.Training;

/// <summary>
/// Training batches of conversations (and copying drills) of similar length: a batch is padded to its longest sequence, so drawing eight
/// batches' worth at once, sorting them by length and handing the batches out in random order wastes little compute
/// on padding while every conversation is still seen once, in an order that does not follow length.
/// </summary>
internal sealed class DemoBatches(DemoData data, ChatTemplate template, HfTokenizer tokenizer, int batchSize, int maxSequenceLength, int seed)
{
    private const int BatchesPerDraw = 8;

    private readonly Random _random = new(seed);
    private readonly Queue<List<DemoExample>> _ready = new();

    /// <summary>
    /// A batch of repeat drills only, four times the usual count (they are short): the copying warm-up that starts
    /// training, where nothing but copying lowers the loss.
    /// </summary>
    public List<DemoExample> NextRepeatDrills() =>
        Enumerable.Range(0, batchSize * 4).Select(_ => DemoExample.Encode(data.NextRepeatDrill(), tokenizer)).ToList();

    public List<DemoExample> Next()
    {
        if (_ready.Count == 0) Draw();
        return _ready.Dequeue();
    }

    private void Draw()
    {
        var examples = new List<DemoExample>();
        while (examples.Count < batchSize * BatchesPerDraw)
        {
            // Half are copying drills (a repeat, a recall or an argument drill, equally): short, so they sort into
            // their own cheap batches, and most of the training time (a conversation is ten drills long) stays with
            // the conversations.
            var example = _random.Next(6) switch
            {
                0 => DemoExample.Encode(data.NextRepeatDrill(), tokenizer),
                1 => DemoExample.Encode(data.NextDrill(), tokenizer),
                2 => DemoExample.EncodeArguments(data.NextArgumentDrill(), template, tokenizer),
                _ => DemoExample.Encode(data.NextTraining(), template, tokenizer),
            };
            if (example.TokenIds.Length <= maxSequenceLength) examples.Add(example);
        }
        var batches = examples.OrderBy(e => e.TokenIds.Length).Chunk(batchSize).Select(b => b.ToList()).ToList();
        foreach (var batch in batches.OrderBy(_ => _random.Next())) _ready.Enqueue(batch);
    }
}
