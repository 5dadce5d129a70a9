using System.Security.Cryptography;
using System.Text;
using Cluster.Engine.ModelFiles;

namespace Cluster.Engine.TinyModels;

/// <summary>
/// Tiny models written once into a cache folder and reused. The folder name carries a hash of the generator's
/// version, its embedded data and the options, so a changed generator writes a fresh folder instead of reusing a stale
/// one. Safe when several processes race: each writes a private temporary folder and renames it into place.
/// </summary>
public static class TinyModelCache
{
    // Bump when the generator's output changes in a way the embedded data and options do not capture.
    private const int GeneratorVersion = 1;

    /// <summary>The default embedded model: qwen2 architecture, seed 0, default sizes.</summary>
    public static string EnsureDefault(string cacheDirectory) =>
        Ensure(cacheDirectory, new TinyModelOptions { OutputDirectory = "", Architecture = TinyModelArchitecture.Qwen2, Seed = 0 });

    /// <summary>
    /// Returns the folder of a tiny model with these options (their <see cref="TinyModelOptions.OutputDirectory"/> is
    /// ignored), writing it under <paramref name="cacheDirectory"/> on first use.
    /// </summary>
    public static string Ensure(string cacheDirectory, TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = Path.GetFullPath(cacheDirectory);
        var target = Path.Combine(root, $"tiny-{options.Architecture.ModelType()}-seed{options.Seed}-{Key(options)}");
        if (IsComplete(target))
        {
            return target;
        }

        Directory.CreateDirectory(root);
        var temporary = Path.Combine(root, $".tmp-{Guid.NewGuid():N}");
        try
        {
            TinyModelBuilder.Write(options with { OutputDirectory = temporary });
            try
            {
                Directory.Move(temporary, target);
            }
            catch (IOException) when (IsComplete(target))
            {
                // Another process finished first; its copy is identical.
            }
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
        return IsComplete(target) ? target : throw new IOException($"Could not place the tiny model at {target}.");
    }

    // Folders only appear under their final name once fully written (rename), so the main files suffice as a check.
    private static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, "config.json"))
        && (File.Exists(Path.Combine(directory, ModelWeights.SingleFileName)) || File.Exists(Path.Combine(directory, ModelWeights.IndexFileName)));

    private static string Key(TinyModelOptions options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"v{GeneratorVersion}|{(options with { OutputDirectory = "" })}"));
        foreach (var (name, bytes) in TinyModelResources.All())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
