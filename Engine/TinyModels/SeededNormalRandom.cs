namespace Cluster.Engine.TinyModels;

/// <summary>
/// A small, fully specified random source (SplitMix64 + Box–Muller) so generated weights depend only on the seed,
/// never on the runtime's <see cref="Random"/> implementation.
/// </summary>
internal sealed class SeededNormalRandom
{
    private ulong _state;
    private double? _spare;

    public SeededNormalRandom(ulong seed) => _state = seed;

    /// <summary>A stream for one named tensor: independent of the order or file tensors are written in.</summary>
    public static SeededNormalRandom ForTensor(long seed, string tensorName)
    {
        // FNV-1a of the name, mixed with the seed.
        var hash = 14695981039346656037UL;
        foreach (var c in tensorName)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return new SeededNormalRandom(hash ^ (ulong)seed * 0x9E3779B97F4A7C15UL);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1]: never 0, so its logarithm is finite.</summary>
    public double NextUniform() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    public double NextGaussian()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        var radius = Math.Sqrt(-2.0 * Math.Log(NextUniform()));
        var angle = 2.0 * Math.PI * NextUniform();
        _spare = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Fills with <c>mean + std * N(0, 1)</c>.</summary>
    public void FillGaussian(Span<float> destination, double mean, double std)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(mean + std * NextGaussian());
        }
    }
}
