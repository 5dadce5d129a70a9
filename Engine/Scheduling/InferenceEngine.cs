using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.Sampling;
using static TorchSharp.torch;

namespace Cluster.Engine.Scheduling;

/// <summary>
/// One device's model and KV cache, driven by a dedicated OS thread. TorchSharp's dispose scopes and
/// no-grad/inference-mode guards are thread-local, so all tensor work happens on that thread and no
/// <c>await</c> ever spans it: callers talk to it through a command queue and read tokens from channels.
/// Each step runs every active sequence at once (continuous batching): sequences join and leave between steps.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly ConcurrentQueue<Sequence> _submitted = new();
    private readonly ConcurrentQueue<long> _cancelled = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EngineOptions _options;
    private volatile bool _stopping;
    private long _nextId;
    private EngineStatistics _statistics = new(0, 0, 0, 0, 0);

    /// <summary>Starts the device thread, which loads the weights; await <see cref="Ready"/> before relying on it.</summary>
    public InferenceEngine(ModelConfig config, ModelWeights weights, EngineOptions options, IProgress<double>? loadProgress = null)
    {
        Config = config;
        _options = options with { MaxSequenceLength = Math.Min(options.MaxSequenceLength, config.MaxPositionEmbeddings) };
        _thread = new Thread(() => Run(weights, loadProgress)) { IsBackground = true, Name = "inference-engine" };
        _thread.Start();
    }

    public ModelConfig Config { get; }

    /// <summary>Completes when the weights are loaded; faults if loading failed.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Longest prompt plus completion one sequence may hold.</summary>
    public int MaxSequenceLength => _options.MaxSequenceLength;

    /// <summary>A snapshot taken after the latest step.</summary>
    public EngineStatistics Statistics => _statistics;

    /// <summary>
    /// Queues a request and streams its tokens. Cancelling the token (or leaving the enumeration early) frees
    /// the sequence's cache slot at the next step.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.PromptTokenIds.Count == 0) throw new ArgumentException("the prompt is empty", nameof(request));
        if (request.PromptTokenIds.Count >= _options.MaxSequenceLength)
            throw new ArgumentException($"the prompt has {request.PromptTokenIds.Count} tokens; this engine holds at most {_options.MaxSequenceLength - 1}", nameof(request));
        await Ready.ConfigureAwait(false);
        var sequence = new Sequence(Interlocked.Increment(ref _nextId), request);
        _submitted.Enqueue(sequence);
        _wake.Release();
        bool finished = false;
        try
        {
            await foreach (var token in sequence.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                finished = token.Finish is not null;
                yield return token;
                if (finished) yield break;
            }
        }
        finally
        {
            if (!finished)
            {
                _cancelled.Enqueue(sequence.Id);
                _wake.Release();
            }
        }
    }

    private void Run(ModelWeights weights, IProgress<double>? loadProgress)
    {
        CausalLanguageModel model;
        KvCachePool cache;
        try
        {
            if (_options.Threads is int threads) set_num_threads(threads);
            model = new CausalLanguageModel(Config, _options.MaxSequenceLength, CPU);
            model.LoadWeights(weights, loadProgress);
            cache = new KvCachePool(Config.NumHiddenLayers, _options.MaxSequences, Config.NumKeyValueHeads,
                _options.MaxSequenceLength, Config.HeadDim, ScalarType.Float32, CPU);
            _ready.SetResult();
        }
        catch (Exception e)
        {
            _ready.SetException(e);
            return;
        }

        using var inference = inference_mode();
        var running = new List<Sequence>();
        var waiting = new Queue<Sequence>();
        using (model)
        using (cache)
        {
            while (!_stopping)
            {
                if (running.Count == 0 && waiting.Count == 0 && _submitted.IsEmpty) _wake.Wait();
                while (_wake.CurrentCount > 0) _wake.Wait(0);
                Drain(running, waiting, cache);
                Admit(running, waiting, cache);
                if (running.Count > 0) Step(model, cache, running);
                _statistics = new EngineStatistics(running.Count, waiting.Count, cache.UsedSlots, cache.Slots, cache.BytesAllocated);
            }
            foreach (var s in running.Concat(waiting)) s.Output.Writer.TryComplete();
        }
    }

    private void Drain(List<Sequence> running, Queue<Sequence> waiting, KvCachePool cache)
    {
        while (_submitted.TryDequeue(out var sequence)) waiting.Enqueue(sequence);
        while (_cancelled.TryDequeue(out long id))
        {
            int i = running.FindIndex(s => s.Id == id);
            if (i >= 0)
            {
                Retire(running[i], cache, FinishReason.Cancelled, emit: false);
                running.RemoveAt(i);
            }
            else
            {
                foreach (var s in waiting) if (s.Id == id) s.Cancelled = true;
            }
        }
    }

    private static void Admit(List<Sequence> running, Queue<Sequence> waiting, KvCachePool cache)
    {
        while (waiting.Count > 0)
        {
            var next = waiting.Peek();
            if (next.Cancelled) { waiting.Dequeue(); next.Output.Writer.TryComplete(); continue; }
            if (!cache.TryAllocate(out int slot)) return;
            waiting.Dequeue();
            next.Slot = slot;
            next.Computed = 0;
            next.Generator = new Generator(next.Sampling.Seed ?? (ulong)Random.Shared.NextInt64(), CPU);
            running.Add(next);
        }
    }

    private void Step(CausalLanguageModel model, KvCachePool cache, List<Sequence> running)
    {
        using var scope = NewDisposeScope();
        var segments = new List<ForwardSegment>(running.Count);
        var scheduled = new List<Sequence>(running.Count);
        var tokens = new List<int>();
        int budget = _options.MaxTokensPerStep;
        // Decodes first (one token each), then prompt chunks in arrival order with what budget is left.
        foreach (var s in running)
        {
            if (s.Computed < s.Tokens.Count - 1 || budget <= 0) continue;
            segments.Add(new ForwardSegment(s.Slot, s.Computed, 1, NeedsLogits: true));
            tokens.Add(s.Tokens[s.Computed]);
            scheduled.Add(s);
            budget--;
        }
        foreach (var s in running)
        {
            int pending = s.Tokens.Count - s.Computed;
            if (pending <= 1 || budget <= 0) continue;
            int n = Math.Min(pending, budget);
            segments.Add(new ForwardSegment(s.Slot, s.Computed, n, NeedsLogits: n == pending));
            for (int i = 0; i < n; i++) tokens.Add(s.Tokens[s.Computed + i]);
            scheduled.Add(s);
            budget -= n;
        }
        if (scheduled.Count == 0) return;

        int[] next;
        List<Sequence> sampled;
        try
        {
            var logits = model.Forward(new ForwardBatch(segments, tokens.ToArray()), cache);
            sampled = new List<Sequence>(scheduled.Count);
            for (int i = 0; i < scheduled.Count; i++)
            {
                scheduled[i].Computed += segments[i].TokenCount;
                if (segments[i].NeedsLogits) sampled.Add(scheduled[i]);
            }
            next = sampled.Count == 0 ? [] : Sampler.Sample(logits, sampled.Select(s => s.Sampling).ToList(), sampled.Select(s => s.Generator!).ToList());
        }
        catch (Exception)
        {
            foreach (var s in running) Retire(s, cache, FinishReason.Error, emit: true);
            running.Clear();
            return;
        }

        for (int i = 0; i < sampled.Count; i++)
        {
            var s = sampled[i];
            int token = next[i];
            s.Tokens.Add(token);
            FinishReason? finish = null;
            if (s.Request.StopTokenIds.Contains(token)) finish = FinishReason.Stop;
            else if (s.Generated >= s.Request.MaxTokens || s.Tokens.Count >= _options.MaxSequenceLength) finish = FinishReason.Length;
            s.Output.Writer.TryWrite(new GeneratedToken(token, finish));
            if (finish is not null)
            {
                Retire(s, cache, finish.Value, emit: false);
                running.Remove(s);
            }
        }
    }

    private static void Retire(Sequence sequence, KvCachePool cache, FinishReason reason, bool emit)
    {
        if (emit) sequence.Output.Writer.TryWrite(new GeneratedToken(-1, reason));
        sequence.Output.Writer.TryComplete();
        if (sequence.Slot >= 0) cache.Release(sequence.Slot);
        sequence.Slot = -1;
        sequence.Generator?.Dispose();
        sequence.Generator = null;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Release();
        await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        _wake.Dispose();
    }
}

/// <summary>Engine load after a step: sequences running and queued, KV-cache slots in use.</summary>
public readonly record struct EngineStatistics(int Running, int Waiting, int UsedCacheSlots, int CacheSlots, long CacheBytes);
