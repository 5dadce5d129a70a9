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
            // A third are copying drills: short, so they sort into their own cheap batches.
            var example = _random.Next(3) == 0 ? DemoExample.Encode(data.NextDrill(), tokenizer) : DemoExample.Encode(data.NextTraining(), template, tokenizer);
            if (example.TokenIds.Length <= maxSequenceLength) examples.Add(example);
        }
        var batches = examples.OrderBy(e => e.TokenIds.Length).Chunk(batchSize).Select(b => b.ToList()).ToList();
        foreach (var batch in batches.OrderBy(_ => _random.Next())) _ready.Enqueue(batch);
    }
}
