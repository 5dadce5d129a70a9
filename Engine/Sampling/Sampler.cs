using static TorchSharp.torch;

namespace Cluster.Engine.Sampling;

/// <summary>
/// Chooses the next token of every row of a batch with tensor operations over the whole batch, in vLLM's order:
/// logit bias and banned tokens, repetition/frequency/presence penalties, temperature, top-k, top-p, min-p,
/// then the draw. The draw is an exponential race (argmax of p / E with E ~ Exp(1)), which samples from p;
/// each row's noise comes from that sequence's own generator, so a seeded sequence draws the same tokens in
/// whatever batch it runs. Log-probabilities are those of the model's raw distribution.
/// </summary>
public static class Sampler
{
    /// <param name="logits">[rows, vocab] fp32.</param>
    public static SampledToken[] Sample(Tensor logits, IReadOnlyList<SamplingRow> rows) => Sample(logits, rows, out _);

    /// <param name="logits">[rows, vocab] fp32.</param>
    /// <param name="maskSeconds">Time spent on grammar masks (0 when no row is constrained).</param>
    public static SampledToken[] Sample(Tensor logits, IReadOnlyList<SamplingRow> rows, out double maskSeconds)
    {
        using var scope = NewDisposeScope();
        int count = rows.Count;
        long vocab = logits.shape[1];
        var device = logits.device;
        var raw = logits;
        logits = ApplyBiasAndBans(logits, rows, vocab);
        logits = ApplyConstraints(logits, rows, vocab, out maskSeconds);
        logits = ApplyPenalties(logits, rows, vocab);

        var chosen = SampleRows(logits, rows, vocab, device);
        var ids = chosen.cpu().data<long>().ToArray();
        var result = new SampledToken[count];
        bool anyLogprobs = rows.Any(r => r.Parameters.Logprobs is not null);
        if (!anyLogprobs)
        {
            for (int r = 0; r < count; r++) result[r] = new SampledToken((int)ids[r], null, null);
            return result;
        }

        var logprobs = raw.log_softmax(-1);
        var chosenLogprobs = logprobs.gather(1, chosen.unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
        int k = rows.Max(r => r.Parameters.Logprobs ?? 0);
        long[] topIds = [];
        float[] topValues = [];
        if (k > 0)
        {
            var (values, indices) = logprobs.topk(k, -1);
            topIds = indices.cpu().data<long>().ToArray();
            topValues = values.cpu().data<float>().ToArray();
        }
        for (int r = 0; r < count; r++)
        {
            int? wanted = rows[r].Parameters.Logprobs;
            if (wanted is null) { result[r] = new SampledToken((int)ids[r], null, null); continue; }
            var top = new TokenLogprob[wanted.Value];
            for (int j = 0; j < top.Length; j++) top[j] = new TokenLogprob((int)topIds[r * k + j], topValues[r * k + j]);
            result[r] = new SampledToken((int)ids[r], chosenLogprobs[r], top);
        }
        return result;
    }

    private static Tensor ApplyBiasAndBans(Tensor logits, IReadOnlyList<SamplingRow> rows, long vocab)
    {
        var rowIndex = new List<long>();
        var columnIndex = new List<long>();
        var values = new List<float>();
        bool anyBan = false;
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Parameters.LogitBias is { } bias)
                foreach (var (token, value) in bias)
                    if (token >= 0 && token < vocab) { rowIndex.Add(r); columnIndex.Add(token); values.Add(value); }
            anyBan |= rows[r].BannedTokens is { Count: > 0 };
        }
        if (rowIndex.Count == 0 && !anyBan) return logits;
        logits = logits.clone();
        if (rowIndex.Count > 0)
        {
            var rIdx = tensor(rowIndex.ToArray(), int64, logits.device);
            var cIdx = tensor(columnIndex.ToArray(), int64, logits.device);
            logits.index_put_(tensor(values.ToArray(), float32, logits.device), [rIdx, cIdx], accumulate: true);
        }
        if (anyBan)
        {
            rowIndex.Clear();
            columnIndex.Clear();
            for (int r = 0; r < rows.Count; r++)
                foreach (int token in rows[r].BannedTokens ?? [])
                    if (token >= 0 && token < vocab) { rowIndex.Add(r); columnIndex.Add(token); }
            if (rowIndex.Count > 0)
                logits.index_put_(tensor(float.NegativeInfinity), [tensor(rowIndex.ToArray(), int64, logits.device), tensor(columnIndex.ToArray(), int64, logits.device)]);
        }
        return logits;
    }

    /// <summary>
    /// Grammar masks: each constrained row's matcher writes its allowed-token bitmask (one bit per token), the bits are
    /// expanded on the device, and disallowed logits become -inf. Ids beyond the grammar's vocabulary (padding rows of
    /// the embedding) are never allowed in a constrained row.
    /// </summary>
    private static Tensor ApplyConstraints(Tensor logits, IReadOnlyList<SamplingRow> rows, long vocab, out double seconds)
    {
        seconds = 0;
        int words = 0;
        foreach (var r in rows) if (r.Constraint is { } m) words = Math.Max(words, m.Grammar.Vocabulary.MaskWords);
        if (words == 0) return logits;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bits = new int[rows.Count * words];
        var constrained = new bool[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Constraint is not { } matcher)
            {
                bits.AsSpan(r * words, words).Fill(-1);
                continue;
            }
            constrained[r] = true;
            matcher.FillMask(System.Runtime.InteropServices.MemoryMarshal.Cast<int, uint>(bits.AsSpan(r * words, words)));
        }
        var device = logits.device;
        var packed = tensor(bits, [rows.Count, words, 1], int32, device);
        var allowed = packed.bitwise_right_shift(arange(32, int32, device)).bitwise_and(1).reshape(rows.Count, (long)words * 32).eq(1);
        if (allowed.shape[1] >= vocab) allowed = allowed.narrow(1, 0, vocab);
        else
        {
            // Rows without a constraint allow the padding ids too.
            var padding = tensor(constrained, device: device).logical_not().unsqueeze(1).expand(rows.Count, vocab - allowed.shape[1]);
            allowed = cat([allowed, padding], 1);
        }
        var masked = logits.masked_fill(allowed.logical_not(), float.NegativeInfinity);
        seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return masked;
    }

    /// <summary>
    /// Token counts per row are built on the device from the rows' histories in one scatter (as a bincount),
    /// so no per-token state lives between steps and preempted sequences need no special care.
    /// </summary>
    private static Tensor ApplyPenalties(Tensor logits, IReadOnlyList<SamplingRow> rows, long vocab)
    {
        bool output = rows.Any(r => r.Parameters.HasOutputPenalties);
        bool repetition = rows.Any(r => r.Parameters.HasRepetitionPenalty);
        if (!output && !repetition) return logits;
        var device = logits.device;
        int count = rows.Count;
        if (repetition)
        {
            var seen = Counts(rows, vocab, device, fromPrompt: true) > 0;
            var penalty = tensor(rows.Select(r => r.Parameters.RepetitionPenalty).ToArray(), float32, device).unsqueeze(1);
            var penalized = where(logits > 0, logits / penalty, logits * penalty);
            logits = where(seen, penalized, logits);
        }
        if (output)
        {
            var counts = Counts(rows, vocab, device, fromPrompt: false);
            var frequency = tensor(rows.Select(r => r.Parameters.FrequencyPenalty).ToArray(), float32, device).unsqueeze(1);
            var presence = tensor(rows.Select(r => r.Parameters.PresencePenalty).ToArray(), float32, device).unsqueeze(1);
            logits = logits - counts * frequency - (counts > 0).to(float32) * presence;
        }
        return logits;
    }

    private static Tensor Counts(IReadOnlyList<SamplingRow> rows, long vocab, Device device, bool fromPrompt)
    {
        int longest = 0;
        foreach (var r in rows) longest = Math.Max(longest, fromPrompt ? r.Tokens.Count : r.Tokens.Count - r.PromptLength);
        // Padding points at an extra column that is dropped afterwards.
        var index = new long[rows.Count * Math.Max(longest, 1)];
        Array.Fill(index, vocab);
        for (int r = 0; r < rows.Count; r++)
        {
            int start = fromPrompt ? 0 : rows[r].PromptLength;
            var tokens = rows[r].Tokens;
            for (int i = start; i < tokens.Count; i++) index[r * Math.Max(longest, 1) + (i - start)] = tokens[i];
        }
        var indices = tensor(index, [rows.Count, Math.Max(longest, 1)], int64, device);
        var counts = zeros([rows.Count, vocab + 1], float32, device);
        counts.scatter_add_(1, indices, ones_like(indices, float32));
        return counts.narrow(1, 0, vocab);
    }

    private static Tensor SampleRows(Tensor logits, IReadOnlyList<SamplingRow> rows, long vocab, Device device)
    {
        int count = rows.Count;
        var greedy = logits.argmax(-1);
        bool anySampling = false, anyTopK = false, anyTopP = false, anyMinP = false;
        var temperatures = new float[count];
        var topK = new long[count];
        var topP = new float[count];
        var minP = new float[count];
        var isGreedy = new bool[count];
        for (int r = 0; r < count; r++)
        {
            var p = rows[r].Parameters;
            isGreedy[r] = p.Temperature <= 0;
            anySampling |= !isGreedy[r];
            temperatures[r] = isGreedy[r] ? 1f : p.Temperature;
            topK[r] = p.TopK > 0 ? Math.Min(p.TopK, vocab) : vocab;
            topP[r] = p.TopP is > 0 and < 1 ? p.TopP : 1f;
            minP[r] = p.MinP;
            anyTopK |= topK[r] < vocab;
            anyTopP |= topP[r] < 1f;
            anyMinP |= p.MinP > 0;
        }
        if (!anySampling) return greedy;

        var scaled = logits / tensor(temperatures, float32, device).unsqueeze(1);
        var (sorted, order) = scaled.sort(-1, descending: true);
        if (anyTopK)
        {
            var rank = arange(vocab, int64, device).unsqueeze(0);
            sorted = sorted.masked_fill(rank >= tensor(topK, int64, device).unsqueeze(1), float.NegativeInfinity);
        }
        var probabilities = sorted.softmax(-1);
        if (anyTopP)
        {
            // Keep the smallest prefix whose mass reaches top_p: a token stays if the mass before it is < top_p.
            var before = probabilities.cumsum(-1) - probabilities;
            probabilities = probabilities.masked_fill(before >= tensor(topP, float32, device).unsqueeze(1), 0f);
        }
        if (anyMinP)
        {
            var threshold = probabilities.narrow(1, 0, 1) * tensor(minP, float32, device).unsqueeze(1);
            probabilities = probabilities.masked_fill(probabilities < threshold, 0f);
        }

        var noise = empty([count, vocab], float32, device);
        for (int r = 0; r < count; r++)
            if (isGreedy[r]) noise[r].fill_(1f);
            else noise[r].exponential_(1.0, rows[r].Generator);
        var winner = (probabilities / noise).argmax(-1, keepdim: true);
        var sampled = order.gather(1, winner).squeeze(1);
        return where(tensor(isGreedy, device: device), greedy, sampled);
    }
}
