using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using Cluster.Engine.Sampling;
using Cluster.Engine.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly ScalarType _kvStorage;
    private readonly int _cacheBlocks;
    private volatile bool _stopping;
    private long _nextId;
    private long _preemptions;
    private long _generatedTokens;
    private readonly ILogger _logger;
    // Activations' type and the matrices' type (EngineOptions.Dtype resolved for the device).
    private readonly ScalarType _computeDtype, _matrixDtype;
    // Published whole after each step (a reference swap), so readers on other threads never see a torn mix of two steps.
    private volatile EngineStatistics _statistics;

    /// <summary>Starts the device thread, which loads the weights; await <see cref="Ready"/> before relying on it.</summary>
    /// <param name="logger">Where failed steps are reported, with the exception and the sequences they ended.</param>
    public InferenceEngine(ModelConfig config, ModelWeights weights, EngineOptions options, IProgress<double>? loadProgress = null, ILogger? logger = null)
    {
        Config = config;
        _logger = logger ?? NullLogger.Instance;
        _options = options with { MaxSequenceLength = Math.Min(options.MaxSequenceLength, config.MaxPositionEmbeddings) };
        _cacheShape = new KvCacheShape(config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim, options.BlockSize);
        bool cpu = torch.device(options.Device).type == DeviceType.CPU;
        (_computeDtype, _matrixDtype) = ModelDtypes.Resolve(options.Dtype, cpu, config.TorchDtype);
        _kvStorage = KvCacheDtypes.Resolve(options.KvCacheDtype, cpu, _computeDtype);
        // Free memory bounds the cache on the CPU, where it lives in the process's own memory; on a GPU it is the
        // device's memory, which /proc/meminfo does not describe.
        KvCacheBudget = KvCacheBudget.Compute(_options, _options.MaxSequenceLength, _cacheShape.BytesPerToken(KvCacheDtypes.ElementSize(_kvStorage)),
            cpu ? AvailableMemory.Read() : null);
        _cacheBlocks = (int)Math.Clamp(KvCacheBudget.Tokens / options.BlockSize, 1, int.MaxValue / options.BlockSize);
        _statistics = new EngineStatistics(0, 0, 0, _cacheBlocks, options.BlockSize, 0, 0, 0);
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

    /// <summary>The KV cache's size as computed at start, and why it is that size.</summary>
    public KvCacheBudget KvCacheBudget { get; }

    /// <summary>Positions the KV cache holds (all sequences together), fixed at start.</summary>
    public int KvCacheTokens => _cacheBlocks * _options.BlockSize;

    /// <summary>The type the model's matrices are stored in (<see cref="EngineOptions.Dtype"/> resolved for the device).</summary>
    public ScalarType WeightStorage => _matrixDtype;

    /// <summary>The KV cache's element type (<see cref="EngineOptions.KvCacheDtype"/> resolved for the device).</summary>
    public ScalarType KvCacheStorage => _kvStorage;

    /// <summary>Bytes the KV cache's pools take.</summary>
    public long KvCacheBytes => (long)KvCacheTokens * _cacheShape.BytesPerToken(KvCacheDtypes.ElementSize(_kvStorage));

    /// <summary>Why a prompt of <paramref name="length"/> tokens cannot run on this engine, or null when it can.</summary>
    public string? CheckPrompt(int length) =>
        length == 0 ? "The prompt is empty."
        : length >= _options.MaxSequenceLength ? $"This model's maximum context length is {_options.MaxSequenceLength} tokens; the prompt has {length}."
        : (length + _options.BlockSize) / _options.BlockSize > _cacheBlocks ? $"The prompt has {length} tokens; the KV cache holds {_cacheBlocks * _options.BlockSize}."
        : null;

    /// <summary>
    /// Queues a request and streams its tokens. Cancelling the token (or leaving the enumeration early) frees
    /// the sequence's cache blocks at the next step.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty or cannot fit (the parameter name is <c>prompt</c>).</exception>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (CheckPrompt(request.PromptTokenIds.Count) is { } problem) throw new ArgumentException(problem, "prompt");
        await Ready.ConfigureAwait(false);
        var sequence = new Sequence(Interlocked.Increment(ref _nextId), request) { Trace = SequenceTrace.Capture(_options.ModelName) };
        _submitted.Enqueue(sequence);
        _wake.Release();
        bool finished = false;
        try
        {
            await foreach (var token in sequence.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync checks the token only when it has to wait: a caller that cancels must not go on receiving
                // what was already buffered, down to a normal finish as if it had never cancelled.
                cancellationToken.ThrowIfCancellationRequested();
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
            set_num_threads(_options.Threads ?? NativeThreading.DefaultThreads);
            var device = torch.device(_options.Device);
            model = new CausalLanguageModel(Config, _options.MaxSequenceLength, device, _computeDtype, _matrixDtype);
            model.LoadWeights(weights, loadProgress);
            cache = new PagedKvCache(_cacheShape, _cacheBlocks, _computeDtype, device, _options.EnablePrefixCaching, _kvStorage);
            _ready.SetResult();
        }
        catch (Exception e)
        {
            _ready.SetException(e);
            return;
        }

        using var inference = inference_mode();
        var scheduler = new BatchScheduler(_options, cache, torch.device(_options.Device));
        var landmarks = new LandmarkSnapshots();
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
                catch (Exception e)
                {
                    // The device thread must outlive any one step. Step isolates per-sequence failures itself, so this is
                    // the scheduler failing: nothing can be trusted about the running set, fail it and keep serving.
                    EngineLog.SchedulerFailed(_logger, e, string.Join(", ", scheduler.Running.Select(r => r.Id)));
                    scheduler.FailAll();
                }
                Interlocked.Add(ref _preemptions, scheduler.TakePreemptions());
                _statistics = new EngineStatistics(scheduler.Running.Count, scheduler.WaitingCount, cache.Blocks.UsedBlocks, cache.TotalBlocks,
                    cache.BlockSize, cache.BytesAllocated, Interlocked.Read(ref _preemptions), _generatedTokens, cache.Blocks.Queries, cache.Blocks.Hits)
                {
                    // Before going idle, whatever the interval: the engine publishes nothing more until new work arrives.
                    PrefixLandmarks = landmarks.Take(cache.Blocks, force: scheduler.Idle),
                };
            }
            scheduler.CloseAll();
        }
    }

    /// <summary>
    /// Runs one planned step. A step that throws is retried one sequence at a time, so a failure caused by one
    /// sequence (its constraint, its sampling parameters) fails that sequence and not the others in the batch.
    /// </summary>
    private void Step(CausalLanguageModel model, PagedKvCache cache, BatchScheduler scheduler, StepPlan plan)
    {
        SampledToken[]? next = TryStep(model, cache, plan, out var failure);
        if (next is null)
        {
            if (plan.Advances.Count == 1)
            {
                Fail(scheduler, plan.Advances[0].Sequence, failure!);
                return;
            }
            EngineLog.BatchFailed(_logger, failure!, plan.Advances.Count);
            foreach (var single in plan.Split())
            {
                if (!scheduler.Running.Contains(single.Advances[0].Sequence)) continue;
                var alone = TryStep(model, cache, single, out var own);
                if (alone is null) Fail(scheduler, single.Advances[0].Sequence, own!);
                else Commit(scheduler, single, alone);
            }
            return;
        }
        Commit(scheduler, plan, next);
    }

    /// <summary>Publishes a step that succeeded: its completed blocks become reusable, its sampled tokens go out.</summary>
    private void Commit(BatchScheduler scheduler, StepPlan plan, SampledToken[] next)
    {
        scheduler.RegisterComputed(plan.Advances);
        Emit(scheduler, plan, next);
    }

    /// <summary>The forward pass and sampling of a plan; null (with the exception) when either throws.</summary>
    private SampledToken[]? TryStep(CausalLanguageModel model, PagedKvCache cache, StepPlan plan, out Exception? failure)
    {
        using var scope = NewDisposeScope();
        try
        {
            var logits = model.Forward(plan.Batch, cache);
            double maskSeconds = 0;
            var next = plan.Sampled.Count == 0 ? [] : Sampler.Sample(logits, plan.Sampled.Select(Row).ToList(), out maskSeconds);
            if (maskSeconds > 0) EngineTelemetry.MaskSeconds.Record(maskSeconds, EngineTelemetry.ModelLabel(_options.ModelName));
            // Only after both succeeded: a retried plan recomputes the same positions (cache writes are idempotent).
            foreach (var (sequence, count) in plan.Advances) sequence.Computed += count;
            failure = null;
            return next;
        }
        catch (Exception e)
        {
            failure = e;
            return null;
        }
    }

    private void Emit(BatchScheduler scheduler, StepPlan plan, SampledToken[] next)
    {
        for (int i = 0; i < plan.Sampled.Count; i++)
        {
            var s = plan.Sampled[i];
            var token = next[i];
            FinishReason? finish;
            try
            {
                finish = Finish(s, token.TokenId);
            }
            catch (Exception e)
            {
                Fail(scheduler, s, e);
                continue;
            }
            int? cached = s.Generated == 0 ? s.CachedPromptTokens ?? 0 : null;
            if (s.Trace is { } trace)
            {
                trace.FirstToken();
                if (finish is { } f) trace.Finish = f.ToString().ToLowerInvariant();
            }
            s.Tokens.Add(token.TokenId);
            _generatedTokens++;
            s.Output.Writer.TryWrite(new GeneratedToken(token.TokenId, finish, token.Logprob, token.TopLogprobs, cached));
            if (finish is not null) scheduler.Retire(s);
        }
    }

    private FinishReason? Finish(Sequence s, int tokenId)
    {
        if (s.Request.Constraint is { } matcher && !matcher.TryAdvance(tokenId)) return FinishReason.Error;
        if (s.Request.StopTokenIds.Contains(tokenId)) return FinishReason.Stop;
        if (s.Request.Constraint is { IsFinished: true }) return FinishReason.Stop;
        if (s.Generated + 1 >= s.Request.MaxTokens || s.Tokens.Count + 1 >= _options.MaxSequenceLength) return FinishReason.Length;
        return null;
    }

    private void Fail(BatchScheduler scheduler, Sequence sequence, Exception e)
    {
        EngineLog.SequenceFailed(_logger, e, sequence.Id, sequence.PromptLength, sequence.Generated);
        if (sequence.Trace is { } trace) trace.Finish = "error";
        sequence.Output.Writer.TryWrite(new GeneratedToken(-1, FinishReason.Error));
        scheduler.Retire(sequence);
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

/// <summary>Engine load after a step: sequences running and queued, KV-cache blocks in use, preemptions and tokens generated so far.</summary>
/// <param name="PrefixCacheQueries">Prompt tokens looked up in the prefix cache so far (vLLM's <c>prefix_cache_queries</c>).</param>
/// <param name="PrefixCacheHits">Of those, tokens found cached (vLLM's <c>prefix_cache_hits</c>).</param>
public sealed record EngineStatistics(int Running, int Waiting, int UsedCacheBlocks, int CacheBlocks, int BlockSize, long CacheBytes, long Preemptions, long GeneratedTokens,
    long PrefixCacheQueries = 0, long PrefixCacheHits = 0)
{
    /// <summary>The prefix cache's landmarks (see <see cref="BlockPool.Landmarks"/>), as of at most a quarter second ago.</summary>
    public IReadOnlyList<ulong> PrefixLandmarks { get; init; } = [];

    /// <summary>Fraction of the KV cache in use, 0–1.</summary>
    public double CacheUsage => CacheBlocks == 0 ? 0 : (double)UsedCacheBlocks / CacheBlocks;
}

/// <summary>
/// Copies of the pool's landmarks for other threads, taken at most four times a second and only when they changed: the
/// engine publishes statistics after every step, and copying thousands of digests each time would cost more than the step's bookkeeping.
/// </summary>
internal sealed class LandmarkSnapshots
{
    /// <summary>At most this many digests travel (a 1M-token cache has 16k landmarks of 16-token blocks).</summary>
    private const int MaxLandmarks = 16_384;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private ulong[] _latest = [];
    private long _version = -1;
    private DateTime _takenAt;

    public IReadOnlyList<ulong> Take(BlockPool pool, bool force)
    {
        if (pool.LandmarkVersion == _version || (!force && DateTime.UtcNow - _takenAt < Interval)) return _latest;
        _latest = pool.Landmarks.Take(MaxLandmarks).ToArray();
        _version = pool.LandmarkVersion;
        _takenAt = DateTime.UtcNow;
        return _latest;
    }
}

/// <summary>The engine's log messages.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Engine step failed for a batch of {Count} sequences; retrying each alone to find the cause")]
    public static partial void BatchFailed(ILogger logger, Exception e, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine failed sequence {SequenceId} (prompt {PromptTokens} tokens, {Generated} generated)")]
    public static partial void SequenceFailed(ILogger logger, Exception e, long sequenceId, int promptTokens, int generated);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine scheduler failed; failing running sequences {SequenceIds}")]
    public static partial void SchedulerFailed(ILogger logger, Exception e, string sequenceIds);
}
