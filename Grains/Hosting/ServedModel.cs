using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;

namespace Cluster.Grains.Hosting;

/// <summary>A loaded model on this silo: its files (tokenizer, template, configs) and its device engine.</summary>
public sealed class ServedModel(ServedModelOptions options, ModelFolder folder, InferenceEngine engine) : IAsyncDisposable
{
    public ServedModelOptions Options { get; } = options;

    public string Name => Options.EffectiveName;

    public ModelFolder Folder { get; } = folder;

    public InferenceEngine Engine { get; } = engine;

    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync().ConfigureAwait(false);
        Folder.Dispose();
    }
}
