using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cluster.Engine.Scheduling;

/// <summary>
/// One device's model and KV cache, driven by a dedicated OS thread. TorchSharp's dispose scopes and
/// no-grad/inference-mode guards are thread-local, so all tensor work happens on that thread and no
/// <c>await</c> ever spans it: callers talk to it through a command queue and read tokens from channels.
/// Each step runs every active sequence at once (continuous batching): sequences join and leave between
/// steps, decodes go first and prompt prefill fills the rest of the step's token budget in chunks.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly ConcurrentQueue<Sequence> _submitted = new();
    private readonly ConcurrentQueue<long> _cancelled = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EngineOptions _options;
    private readonly KvCacheShape _cacheShape;
    private readonly int _cacheBlocks;
    private volatile bool _stopping;
    private long _nextId;
    private long _preemptions;
    private EngineStatistics _statistics;

    /// <summary>Starts the device thread, which loads the weights; await <see cref="Ready"/> before relying on it.</summary>
    public InferenceEngine(ModelConfig config, ModelWeights weights, EngineOptions options, IProgress<double>? loadProgress = null)
    {
        Config = config;
        _options = options with { MaxSequenceLength = Math.Min(options.MaxSequenceLength, config.MaxPositionEmbeddings) };
        _cacheShape = new KvCacheShape(config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim, options.BlockSize);
        long budgetTokens = options.KvCacheTokens
            ?? Math.Min((long)_options.MaxSequences * _options.MaxSequenceLength, options.KvCacheBytes / _cacheShape.BytesPerToken(sizeof(float)));
        _cacheBlocks = (int)Math.Max(1, budgetTokens / options.BlockSize);
        _statistics = new EngineStatistics(0, 0, 0, _cacheBlocks, options.BlockSize, 0, 0);
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
    /// the sequence's cache blocks at the next step.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty or cannot fit (the parameter name is <c>prompt</c>).</exception>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int length = request.PromptTokenIds.Count;
        if (length == 0) throw new ArgumentException("The prompt is empty.", "prompt");
        if (length >= _options.MaxSequenceLength)
            throw new ArgumentException($"This model's maximum context length is {_options.MaxSequenceLength} tokens; the prompt has {length}.", "prompt");
        if ((length + _options.BlockSize) / _options.BlockSize > _cacheBlocks)
            throw new ArgumentException($"The prompt has {length} tokens; the KV cache holds {_cacheBlocks * _options.BlockSize}.", "prompt");
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
        PagedKvCache cache;
        try
        {
            set_num_threads(_options.Threads ?? Math.Max(1, Environment.ProcessorCount - 1));
            var device = torch.device(_options.Device);
            // bf16/fp16 matmuls are slow on most CPUs: compute in fp32 there, in bf16 on GPUs.
            var dtype = device.type == DeviceType.CPU ? ScalarType.Float32 : ScalarType.BFloat16;
            model = new CausalLanguageModel(Config, _options.MaxSequenceLength, device, dtype);
            model.LoadWeights(weights, loadProgress);
            cache = new PagedKvCache(_cacheShape, _cacheBlocks, dtype, device);
            _ready.SetResult();
        }
        catch (Exception e)
        {
            _ready.SetException(e);
            return;
        }

        using var inference = inference_mode();
        var scheduler = new BatchScheduler(_options, cache, torch.device(_options.Device));
        using (model)
        using (cache)
        {
            while (!_stopping)
            {
                if (scheduler.Idle && _submitted.IsEmpty) _wake.Wait();
                while (_wake.CurrentCount > 0) _wake.Wait(0);
                while (_submitted.TryDequeue(out var sequence)) scheduler.Enqueue(sequence);
                while (_cancelled.TryDequeue(out long id)) scheduler.Cancel(id);
                try
                {
                    scheduler.Admit();
                    var plan = scheduler.Plan();
                    if (plan is not null) Step(model, cache, scheduler, plan);
                }
                catch (Exception)
                {
                    // The device thread must outlive any one step: fail what was running, keep serving.
                    scheduler.FailAll();
                }
                Interlocked.Add(ref _preemptions, scheduler.TakePreemptions());
                _statistics = new EngineStatistics(scheduler.Running.Count, scheduler.WaitingCount, cache.UsedBlocks, cache.TotalBlocks,
                    cache.BlockSize, cache.BytesAllocated, Interlocked.Read(ref _preemptions));
            }
            scheduler.CloseAll();
        }
    }

    private void Step(CausalLanguageModel model, PagedKvCache cache, BatchScheduler scheduler, StepPlan plan)
    {
        SampledToken[] next;
        using (var scope = NewDisposeScope())
        {
            try
            {
                var logits = model.Forward(plan.Batch, cache);
                foreach (var (sequence, count) in plan.Advances) sequence.Computed += count;
                next = plan.Sampled.Count == 0 ? [] : Sampler.Sample(logits, plan.Sampled.Select(Row).ToList());
            }
            catch (Exception)
            {
                scheduler.FailAll();
                return;
            }
        }

        for (int i = 0; i < plan.Sampled.Count; i++)
        {
            var s = plan.Sampled[i];
            var token = next[i];
            s.Tokens.Add(token.TokenId);
            FinishReason? finish = null;
            if (s.Request.Constraint is { } matcher && !matcher.TryAdvance(token.TokenId)) finish = FinishReason.Error;
            else if (s.Request.StopTokenIds.Contains(token.TokenId)) finish = FinishReason.Stop;
            else if (s.Request.Constraint is { IsFinished: true }) finish = FinishReason.Stop;
            else if (s.Generated >= s.Request.MaxTokens || s.Tokens.Count >= _options.MaxSequenceLength) finish = FinishReason.Length;
            s.Output.Writer.TryWrite(new GeneratedToken(token.TokenId, finish, token.Logprob, token.TopLogprobs));
            if (finish is not null) scheduler.Retire(s);
        }
    }

    private static SamplingRow Row(Sequence s) => new(s.Sampling, s.Generator!, s.Tokens, s.PromptLength,
        s.Generated < s.Request.MinTokens ? s.Request.StopTokenIds : null, s.Request.Constraint);

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Release();
        await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        _wake.Dispose();
    }
}

/// <summary>Engine load after a step: sequences running and queued, KV-cache blocks in use, preemptions so far.</summary>
public readonly record struct EngineStatistics(int Running, int Waiting, int UsedCacheBlocks, int CacheBlocks, int BlockSize, long CacheBytes, long Preemptions)
{
    /// <summary>Fraction of the KV cache in use, 0–1.</summary>
    public double CacheUsage => CacheBlocks == 0 ? 0 : (double)UsedCacheBlocks / CacheBlocks;
}
