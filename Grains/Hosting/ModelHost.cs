using Cluster.Contracts.Generation;
using Cluster.Contracts.Models;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Cluster.Grains.Hosting;

/// <summary>
/// The model replicas this silo runs. Loads them while the silo starts (with progress in the log), registers them in
/// the cluster's replica registry once the silo is active, reports their load every second, and on shutdown drains:
/// it stops taking new sequences, lets running ones finish (up to the drain timeout), then unregisters.
/// Grains on this silo find their replica here.
/// </summary>
public sealed partial class ModelHost(
    IEnumerable<ServedModelOptions> models, DrainOptions drain, SessionTurns turns, IGrainFactory grains, ILocalSiloDetails silo,
    ILoggerFactory loggers, ILogger<ModelHost> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>How often replica load is reported to the registry (routing reads it).</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _reporting;
    private volatile HostState _state = HostState.Loading;

    public IReadOnlyCollection<ServedModel> Models => _models.Values;

    /// <summary>Loading until every model is loaded and registered; Draining once shutdown began.</summary>
    public HostState State => _state;

    public bool TryGet(string name, out ServedModel model) => _models.TryGetValue(name, out model!);

    public string SiloAddress => silo.SiloAddress.ToParsableString();

    public ModelReplica ReplicaOf(ServedModel model) =>
        new(model.Name, model.Options.Device, SiloAddress, model.Frontend.Created, model.Engine.MaxSequenceLength);

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(ModelHost), ServiceLifecycleStage.ApplicationServices, LoadAsync, _ => DisposeAsync().AsTask());
        lifecycle.Subscribe(nameof(ModelHost), ServiceLifecycleStage.Active, _ => StartServingAsync(), DrainAsync);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var options in models)
        {
            LogLoading(options.EffectiveName, options.ModelPath);
            var folder = ModelFolder.Load(options.ModelPath);
            var format = ModelPromptFormatResolver.Resolve(options, folder);
            if (format.ToolCallParser is not null) LogParser(options.EffectiveName, format.ToolCallParser, format.ToolCallParserSource!);
            int lastDecile = -1;
            var progress = new Progress<double>(p =>
            {
                int decile = (int)(p * 10);
                if (decile == lastDecile) return;
                lastDecile = decile;
                LogProgress(options.EffectiveName, decile * 10);
            });
            var engine = new InferenceEngine(folder.Config, folder.Weights, options.ToEngineOptions(), progress, loggers.CreateLogger<InferenceEngine>());
            await engine.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            // The engine copied the weights into its own tensors (fused, perhaps narrowed): unmapping the files keeps
            // them in the process's memory once, not also as mapped file pages.
            folder.Weights.Dispose();
            var served = new ServedModel(options, folder, engine, format);
            _models[served.Name] = served;
            LogReady(served.Name, folder.Config.ModelType, engine.MaxSequenceLength, engine.WeightStorage.ToString());
            // The cache is the one large allocation besides the weights: say at start what it holds and costs.
            LogKvCache(served.Name, engine.KvCacheTokens, engine.KvCacheStorage.ToString(), engine.KvCacheBytes >> 20, engine.KvCacheBudget.Reason);
        }
    }

    private async Task StartServingAsync()
    {
        var catalog = grains.GetGrain<IModelCatalogGrain>(0);
        foreach (var model in _models.Values)
            await catalog.RegisterAsync(ReplicaOf(model)).ConfigureAwait(false);
        await ReportAsync().ConfigureAwait(false);
        _state = HostState.Serving;
        _reporting = ReportLoopAsync(_stopping.Token);
    }

    /// <summary>The load of every replica here, as routing and metrics see it.</summary>
    public ReplicaStatus[] Statuses() => _models.Values.Select(m => new ReplicaStatus(ReplicaOf(m), m.Status(), _state == HostState.Draining)).ToArray();

    private Task ReportAsync() => grains.GetGrain<IModelCatalogGrain>(0).ReportAsync(Statuses());

    private async Task ReportLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ReportInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ReportAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The registry may be moving to another silo after a failure; the next report will reach it.
                    LogReportFailed(e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Graceful shutdown: routing skips this silo from the next report on (sent at once), running sequences and
    /// session turns finish, then the replicas leave the registry. Bounded by the drain timeout.
    /// </summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_state != HostState.Serving) return;
        _state = HostState.Draining;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_reporting is not null) await _reporting.ConfigureAwait(false);
        var catalog = grains.GetGrain<IModelCatalogGrain>(0);
        try
        {
            await ReportAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogReportFailed(e.GetType().Name);
        }
        LogDraining(drain.Timeout.TotalSeconds);
        var deadline = DateTime.UtcNow + drain.Timeout;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested &&
               (turns.Active > 0 || _models.Values.Any(m => m.Engine.Statistics is { Running: > 0 } or { Waiting: > 0 })))
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
        foreach (var model in _models.Values)
        {
            try
            {
                await catalog.UnregisterAsync(ReplicaOf(model)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogReportFailed(e.GetType().Name);
            }
        }
        LogDrained(turns.Active);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var model in _models.Values) await model.DisposeAsync().ConfigureAwait(false);
        _models.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Name} from {Path}")]
    private partial void LogLoading(string name, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading {Name}: {Percent}% of weights")]
    private partial void LogProgress(string name, int percent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name}: tool-call parser {Parser} ({Source})")]
    private partial void LogParser(string name, string parser, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name} ({ModelType}) ready, max model length {MaxLength}, matrices stored as {Dtype}")]
    private partial void LogReady(string name, string modelType, int maxLength, string dtype);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model}: KV cache of {Tokens} tokens, stored as {Dtype}, {MiB} MiB ({Reason})")]
    private partial void LogKvCache(string model, int tokens, string dtype, long miB, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replica load report failed ({Error}); retrying next interval")]
    private partial void LogReportFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: no new sequences; waiting up to {Seconds} s for running ones")]
    private partial void LogDraining(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained; replicas unregistered ({Turns} session turns still running)")]
    private partial void LogDrained(int turns);
}

/// <summary>Where a silo's model host stands.</summary>
public enum HostState
{
    Loading,
    Serving,
    Draining,
}

/// <summary><c>--drain-timeout</c>: how long a stopping silo lets running streams finish.</summary>
public sealed record DrainOptions(TimeSpan Timeout)
{
    public static DrainOptions Default { get; } = new(TimeSpan.FromSeconds(30));
}

/// <summary>Counts the session turns (requests) running on this silo, so a drain can wait for them.</summary>
public sealed class SessionTurns
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public IDisposable Begin()
    {
        Interlocked.Increment(ref _active);
        return new Turn(this);
    }

    private sealed class Turn(SessionTurns owner) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) Interlocked.Decrement(ref owner._active);
        }
    }
}
