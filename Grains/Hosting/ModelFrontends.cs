using System.Collections.Concurrent;
using Cluster.Contracts.Generation;
using Cluster.Contracts.Requests;
using Cluster.Engine.ModelFiles;
using Cluster.Grains.Routing;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Hosting;

/// <summary>
/// Finds the <see cref="ModelFrontend"/> of a model on this silo: the local replica's when this silo runs the model,
/// otherwise one built once from the files a live replica ships (written under the temp folder and loaded without
/// weights). This is what lets a session work on any silo, including one that serves other models or none.
/// </summary>
public sealed partial class ModelFrontends(ModelHost host, ReplicaRouter router, IGrainFactory grains, ILogger<ModelFrontends> logger)
{
    /// <summary>Files larger than this are not shipped (weights in other formats, datasets left in the folder).</summary>
    private const long MaxShippedFileBytes = 64L << 20;

    private static readonly string[] WeightExtensions = [".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt", ".h5", ".msgpack", ".onnx"];

    private readonly ConcurrentDictionary<string, Lazy<Task<ModelFrontend>>> _remote = new(StringComparer.Ordinal);

    /// <exception cref="RequestRejectedException">404 for a model the cluster does not know, 503 when it has no live replica.</exception>
    public async ValueTask<ModelFrontend> GetAsync(string model)
    {
        if (host.TryGet(model, out var served)) return served.Frontend;
        var replicas = await router.AvailableAsync(model).ConfigureAwait(true);
        if (_remote.TryGetValue(model, out var cached) && cached.Value.IsCompletedSuccessfully)
        {
            var frontend = cached.Value.Result;
            // A replica restarted with other files gets a fresh frontend; while none is live, keep the one we have.
            if (replicas.Length == 0 || replicas.Any(r => r.Replica.Created == frontend.Created)) return frontend;
            _remote.TryRemove(model, out _);
        }
        if (replicas.Length == 0)
        {
            var view = await router.ViewAsync().ConfigureAwait(true);
            throw (view.KnownModels.Contains(model)
                ? RequestRejection.ModelUnavailable(model)
                : new RequestRejection(404, $"The model '{model}' does not exist.", "model", "model_not_found")).ToException();
        }
        var replica = replicas[Random.Shared.Next(replicas.Length)].Replica;
        var fetch = _remote.GetOrAdd(model, _ => new Lazy<Task<ModelFrontend>>(() => FetchAsync(replica.GrainKey)));
        try
        {
            return await fetch.Value.ConfigureAwait(true);
        }
        catch
        {
            _remote.TryRemove(new KeyValuePair<string, Lazy<Task<ModelFrontend>>>(model, fetch));
            throw;
        }
    }

    private async Task<ModelFrontend> FetchAsync(string replicaKey)
    {
        var files = await grains.GetGrain<IModelGrain>(replicaKey).GetFrontendAsync().ConfigureAwait(false);
        LogFetched(files.Model, replicaKey, files.Files.Values.Sum(f => (long)f.Length));
        return Materialize(files);
    }

    /// <summary>What a replica ships of <paramref name="model"/>: every small non-weight file of its folder and its resolved settings.</summary>
    public static ModelFrontendFiles Describe(ServedModel model)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(model.Frontend.Folder.Path))
        {
            var info = new FileInfo(path);
            if (info.Length > MaxShippedFileBytes || WeightExtensions.Contains(info.Extension, StringComparer.OrdinalIgnoreCase)) continue;
            files[info.Name] = File.ReadAllText(path);
        }
        var options = model.Options;
        string? spec = options.ToolCallParser is { } p && p.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(p) ? File.ReadAllText(p) : null;
        string? template = options.ChatTemplatePath is { } t ? File.ReadAllText(t) : null;
        return new ModelFrontendFiles(model.Name, model.Frontend.Created, model.Frontend.MaxModelLength, files,
            model.Frontend.Format.ToolCallParser, spec, model.Frontend.Format.ReasoningParser, template);
    }

    /// <summary>Writes shipped files to a folder of their own and loads them as a weightless model folder.</summary>
    public static ModelFrontend Materialize(ModelFrontendFiles shipped)
    {
        string safeName = string.Concat(shipped.Model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        string directory = Path.Combine(Path.GetTempPath(), "llm-cluster-frontends", $"{safeName}-{shipped.Created}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        foreach (var (name, text) in shipped.Files)
        {
            if (name != Path.GetFileName(name) || name is "." or "..") continue; // plain file names only
            File.WriteAllText(Path.Combine(directory, name), text);
        }
        string? specPath = null, templatePath = null;
        if (shipped.ToolCallParserSpec is { } spec) File.WriteAllText(specPath = Path.Combine(directory, ".tool-call-format.json"), spec);
        if (shipped.ChatTemplate is { } template) File.WriteAllText(templatePath = Path.Combine(directory, ".chat-template.jinja"), template);
        var options = new ServedModelOptions
        {
            ModelPath = directory,
            ServedModelName = shipped.Model,
            ToolCallParser = specPath ?? shipped.ToolCallParser,
            ReasoningParser = shipped.ReasoningParser,
            ChatTemplatePath = templatePath,
        };
        var folder = ModelFolder.Load(directory, withWeights: false);
        var format = ModelPromptFormatResolver.Resolve(options, folder);
        return new ModelFrontend(shipped.Model, folder, format, shipped.MaxModelLength, shipped.Created);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model}: frontend fetched from replica {Replica} ({Characters} characters of files)")]
    private partial void LogFetched(string model, string replica, long characters);
}
