namespace Cluster.Constraints.Text;

/// <summary>
/// An immutable set of Unicode scalar values kept as sorted, disjoint, non-adjacent ranges.
/// Surrogates (U+D800–U+DFFF) are never members: they cannot be encoded in UTF-8.
/// </summary>
internal sealed class CodePointSet
{
    public const int MaxCodePoint = 0x10FFFF;
    private const int SurrogateFirst = 0xD800;
    private const int SurrogateLast = 0xDFFF;

    private readonly (int Lo, int Hi)[] _ranges;

    private CodePointSet((int Lo, int Hi)[] normalized) => _ranges = normalized;

    public static CodePointSet Empty { get; } = new([]);

    /// <summary>Every scalar value.</summary>
    public static CodePointSet All { get; } = FromRanges([(0, MaxCodePoint)]);

    public IReadOnlyList<(int Lo, int Hi)> Ranges => _ranges;

    public bool IsEmpty => _ranges.Length == 0;

    public static CodePointSet Single(int codePoint) => FromRanges([(codePoint, codePoint)]);

    public static CodePointSet Range(int lo, int hi) => FromRanges([(lo, hi)]);

    /// <summary>Builds a set from arbitrary (possibly overlapping, unordered) ranges, dropping surrogates.</summary>
    public static CodePointSet FromRanges(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var list = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges)
        {
            var l = Math.Max(lo, 0);
            var h = Math.Min(hi, MaxCodePoint);
            if (l > h) continue;
            // Cut the surrogate block out so every member is encodable.
            if (l < SurrogateFirst && h > SurrogateLast)
            {
                list.Add((l, SurrogateFirst - 1));
                list.Add((SurrogateLast + 1, h));
            }
            else if (l >= SurrogateFirst && h <= SurrogateLast)
            {
                continue;
            }
            else if (l >= SurrogateFirst && l <= SurrogateLast)
            {
                list.Add((SurrogateLast + 1, h));
            }
            else if (h >= SurrogateFirst && h <= SurrogateLast)
            {
                list.Add((l, SurrogateFirst - 1));
            }
            else
            {
                list.Add((l, h));
            }
        }
        list.Sort((a, b) => a.Lo.CompareTo(b.Lo));
        var merged = new List<(int Lo, int Hi)>(list.Count);
        foreach (var r in list)
        {
            if (merged.Count > 0 && r.Lo <= merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, r.Hi));
            }
            else
            {
                merged.Add(r);
            }
        }
        return new CodePointSet([.. merged]);
    }

    public bool Contains(int codePoint)
    {
        foreach (var (lo, hi) in _ranges)
        {
            if (codePoint < lo) return false;
            if (codePoint <= hi) return true;
        }
        return false;
    }

    public CodePointSet Union(CodePointSet other) => FromRanges(_ranges.Concat(other._ranges));

    public CodePointSet Complement()
    {
        var result = new List<(int Lo, int Hi)>();
        var next = 0;
        foreach (var (lo, hi) in _ranges)
        {
            if (lo > next) result.Add((next, lo - 1));
            next = hi + 1;
        }
        if (next <= MaxCodePoint) result.Add((next, MaxCodePoint));
        return FromRanges(result);
    }

    public CodePointSet Intersect(CodePointSet other) => Complement().Union(other.Complement()).Complement();

    public CodePointSet Subtract(CodePointSet other) => Intersect(other.Complement());
}
