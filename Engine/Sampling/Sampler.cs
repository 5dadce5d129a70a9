using static TorchSharp.torch;

namespace Cluster.Engine.Sampling;

/// <summary>
/// Chooses the next token of every row of a batch with tensor operations over the whole batch: temperature,
/// top-k, top-p and min-p masks are applied to all rows at once, and the draw is an exponential race
/// (argmax of p / E, E ~ Exp(1)), which equals sampling from p. The noise of each row comes from that
/// sequence's own generator, so a seeded sequence draws the same tokens whichever batch it runs in.
/// </summary>
public static class Sampler
{
    /// <param name="logits">[rows, vocab] fp32.</param>
    /// <param name="parameters">One per row.</param>
    /// <param name="generators">One per row; used only by rows that sample.</param>
    public static int[] Sample(Tensor logits, IReadOnlyList<SamplingParameters> parameters, IReadOnlyList<Generator> generators)
    {
        using var scope = NewDisposeScope();
        int rows = (int)logits.shape[0];
        long vocab = logits.shape[1];
        var device = logits.device;
        var greedy = logits.argmax(-1);

        bool anySampling = false, anyTopK = false, anyTopP = false, anyMinP = false;
        var temperatures = new float[rows];
        var topK = new long[rows];
        var topP = new float[rows];
        var minP = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var p = parameters[r];
            bool samples = p.Temperature > 0;
            anySampling |= samples;
            temperatures[r] = samples ? p.Temperature : 1f;
            topK[r] = p.TopK > 0 ? Math.Min(p.TopK, vocab) : vocab;
            topP[r] = p.TopP is > 0 and < 1 ? p.TopP : 1f;
            minP[r] = p.MinP;
            anyTopK |= p.TopK > 0 && p.TopK < vocab;
            anyTopP |= topP[r] < 1f;
            anyMinP |= p.MinP > 0;
        }
        if (!anySampling) return ToInts(greedy);

        var scaled = logits / tensor(temperatures, device: device).unsqueeze(1);
        var (sorted, order) = scaled.sort(-1, descending: true);
        if (anyTopK)
        {
            var rank = arange(vocab, int64, device).unsqueeze(0);
            sorted = sorted.masked_fill(rank >= tensor(topK, device: device).unsqueeze(1), float.NegativeInfinity);
        }
        var probabilities = sorted.softmax(-1);
        if (anyTopP)
        {
            // Keep the smallest prefix whose mass reaches top_p: a token stays if the mass before it is < top_p.
            var before = probabilities.cumsum(-1) - probabilities;
            probabilities = probabilities.masked_fill(before >= tensor(topP, device: device).unsqueeze(1), 0f);
        }
        if (anyMinP)
        {
            var threshold = probabilities.narrow(1, 0, 1) * tensor(minP, device: device).unsqueeze(1);
            probabilities = probabilities.masked_fill(probabilities < threshold, 0f);
        }

        var noise = empty([rows, vocab], float32, device);
        for (int r = 0; r < rows; r++)
            if (parameters[r].Temperature > 0) noise[r].exponential_(1.0, generators[r]);
            else noise[r].fill_(1f);
        var winner = (probabilities / noise).argmax(-1, keepdim: true);
        var sampled = order.gather(1, winner).squeeze(1);
        var isGreedy = tensor(parameters.Select(p => p.Temperature <= 0).ToArray(), device: device);
        return ToInts(where(isGreedy, greedy, sampled));
    }

    private static int[] ToInts(Tensor ids)
    {
        var values = ids.to(int64).cpu().data<long>().ToArray();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (int)values[i];
        return result;
    }
}
