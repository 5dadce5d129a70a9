using Cluster.Contracts.Sessions;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Hosting;

/// <summary>
/// Loads the silo's models while the silo starts (with progress in the log), owns their engines for the
/// silo's lifetime, and registers them in the cluster's model catalog once the silo is active.
/// Grains on this silo find their model here.
/// </summary>
public sealed partial class ModelHost(IEnumerable<ServedModelOptions> models, IGrainFactory grains, ILoggerFactory loggers, ILogger<ModelHost> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ServedModel> Models => _models.Values;

    public bool TryGet(string name, out ServedModel model) => _models.TryGetValue(name, out model!);

    public ServedModel Get(string name) =>
        _models.TryGetValue(name, out var model) ? model : throw new KeyNotFoundException($"model '{name}' is not served by this silo");

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(ModelHost), ServiceLifecycleStage.ApplicationServices, LoadAsync, _ => DisposeAsync().AsTask());
        lifecycle.Subscribe(nameof(ModelHost), ServiceLifecycleStage.Active, _ => RegisterAsync());
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
            var served = new ServedModel(options, folder, engine, format);
            _models[served.Name] = served;
            LogReady(served.Name, folder.Config.ModelType, engine.MaxSequenceLength);
        }
    }

    private async Task RegisterAsync()
    {
        var catalog = grains.GetGrain<IModelCatalogGrain>(0);
        foreach (var model in _models.Values)
            await catalog.RegisterAsync(new Contracts.Sessions.ServedModel(model.Name, model.Options.Device, model.Created, model.Engine.MaxSequenceLength)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _models.Values) await model.DisposeAsync().ConfigureAwait(false);
        _models.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Name} from {Path}")]
    private partial void LogLoading(string name, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading {Name}: {Percent}% of weights")]
    private partial void LogProgress(string name, int percent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name}: tool-call parser {Parser} ({Source})")]
    private partial void LogParser(string name, string parser, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name} ({ModelType}) ready, max model length {MaxLength}")]
    private partial void LogReady(string name, string modelType, int maxLength);
}
