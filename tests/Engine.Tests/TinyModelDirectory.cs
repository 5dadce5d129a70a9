using Cluster.Engine.TinyModels;

namespace Cluster.Engine.Tests;

/// <summary>A generated tiny model in a temporary folder, deleted with the instance.</summary>
internal sealed class TinyModelDirectory : IDisposable
{
    public TinyModelDirectory(TinyModelArchitecture architecture, long seed = 1, int? slidingWindow = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tiny-{architecture}-{Guid.NewGuid():N}");
        TinyModelBuilder.Write(new TinyModelOptions { OutputDirectory = Path, Architecture = architecture, Seed = seed, SlidingWindow = slidingWindow });
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
