using System.Text.Json;

namespace Cluster.Engine.ModelFiles;

/// <summary>
/// The weights of a Hugging Face model folder, whether stored as one <c>model.safetensors</c> or sharded behind
/// <c>model.safetensors.index.json</c>. Every file is memory-mapped once and stays mapped until disposal.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    /// <summary>The single-file checkpoint name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The shard index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _fileByTensor;
    private readonly List<SafetensorsFile> _files;

    private ModelWeights(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        _files = files;
        _fileByTensor = fileByTensor;
    }

    /// <summary>No weights: a model folder opened only for its tokenizer, configs and templates.</summary>
    public static ModelWeights None => new([], []);

    /// <summary>Every tensor name, in file order.</summary>
    public IEnumerable<string> Names => _fileByTensor.Keys;

    /// <summary>Number of tensors.</summary>
    public int Count => _fileByTensor.Count;

    /// <summary>The mapped files (one, or one per shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>
    /// Opens the weights of a model folder: the shard index when present, else <c>model.safetensors</c>, else the folder's
    /// only <c>*.safetensors</c> file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no safetensors weights.</exception>
    /// <exception cref="InvalidDataException">The index names a tensor its shard lacks, or two files hold one tensor.</exception>
    public static ModelWeights Open(string directory)
    {
        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
        {
            return OpenIndex(indexPath);
        }
        var single = Path.Combine(directory, SingleFileName);
        if (!File.Exists(single))
        {
            var candidates = Directory.GetFiles(directory, "*.safetensors");
            single = candidates.Length == 1
                ? candidates[0]
                : throw new FileNotFoundException($"{directory} has neither {IndexFileName} nor a single *.safetensors file.");
        }
        return OpenFiles([single], expected: null, indexPath: null);
    }

    /// <summary>Opens a sharded checkpoint through its <c>model.safetensors.index.json</c>.</summary>
    public static ModelWeights OpenIndex(string indexPath)
    {
        using var document = JsonElementReading.ParseFile(indexPath);
        if (!document.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{indexPath}: no weight_map.");
        }
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in weightMap.EnumerateObject())
        {
            expected[entry.Name] = entry.Value.GetString() ?? throw new InvalidDataException($"{indexPath}: null shard for {entry.Name}.");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = expected.Values.Distinct(StringComparer.Ordinal).Select(shard => Path.Combine(directory, shard)).ToList();
        return OpenFiles(shards, expected, indexPath);
    }

    /// <summary>Finds a tensor and the file holding it.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo info, out SafetensorsFile file)
    {
        if (_fileByTensor.TryGetValue(name, out var found))
        {
            file = found;
            info = found.Tensors[name];
            return true;
        }
        info = null!;
        file = null!;
        return false;
    }

    /// <summary>A tensor's header entry.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public SafetensorsTensorInfo GetInfo(string name) =>
        TryGetTensor(name, out var info, out _) ? info : throw new KeyNotFoundException($"No tensor '{name}' in the checkpoint.");

    /// <summary>A tensor's raw bytes, from the mapping (tensors under 2 GB).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) =>
        TryGetTensor(name, out var info, out var file)
            ? file.GetBytes(info)
            : throw new KeyNotFoundException($"No tensor '{name}' in the checkpoint.");

    /// <summary>A floating-point tensor converted to float32 (BF16/F16 widened exactly).</summary>
    public float[] ReadFloat32(string name) => TensorDataConverter.ToFloat32(GetBytes(name), GetInfo(name).DType);

    /// <summary>Unmaps every file.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static ModelWeights OpenFiles(IReadOnlyList<string> paths, Dictionary<string, string>? expected, string? indexPath)
    {
        var files = new List<SafetensorsFile>(paths.Count);
        try
        {
            var fileByTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var name in file.Tensors.Keys)
                {
                    if (!fileByTensor.TryAdd(name, file))
                    {
                        throw new InvalidDataException($"Tensor {name} appears in both {fileByTensor[name].Path} and {path}.");
                    }
                }
            }
            if (expected is not null)
            {
                foreach (var (name, shard) in expected)
                {
                    if (!fileByTensor.TryGetValue(name, out var holder) || Path.GetFileName(holder.Path) != shard)
                    {
                        throw new InvalidDataException($"{indexPath}: tensor {name} is not in shard {shard}.");
                    }
                }
            }
            return new ModelWeights(files, fileByTensor);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
            throw;
        }
    }
}
