namespace Cluster.Constraints.Text;

/// <summary>
/// Turns a range of scalar values into the byte-range sequences that encode exactly that range in UTF-8,
/// so character classes become byte automata that only ever accept well-formed UTF-8.
/// </summary>
internal static class Utf8Sequences
{
    /// <summary>One encoded form: byte i of the character lies in <c>Ranges[i]</c>.</summary>
    public readonly record struct Sequence((byte Lo, byte Hi)[] Ranges);

    public static List<Sequence> Encode(CodePointSet set)
    {
        var result = new List<Sequence>();
        foreach (var (lo, hi) in set.Ranges) Split(lo, hi, result);
        return result;
    }

    private static readonly int[] LengthLimits = [0x7F, 0x7FF, 0xFFFF, 0x10FFFF];

    private static void Split(int lo, int hi, List<Sequence> output)
    {
        // First cut where the encoded length changes.
        foreach (var limit in LengthLimits)
        {
            if (lo <= limit && hi > limit)
            {
                Split(lo, limit, output);
                Split(limit + 1, hi, output);
                return;
            }
        }
        var length = EncodedLength(lo);
        if (length == 1)
        {
            output.Add(new Sequence([((byte)lo, (byte)hi)]));
            return;
        }
        // Then cut until every trailing 6-bit group spans its full range or a single value,
        // which makes the set of encodings a product of per-byte ranges.
        for (var i = 1; i < length; i++)
        {
            var mask = (1 << (6 * i)) - 1;
            if ((lo & ~mask) != (hi & ~mask))
            {
                if ((lo & mask) != 0)
                {
                    Split(lo, lo | mask, output);
                    Split((lo | mask) + 1, hi, output);
                    return;
                }
                if ((hi & mask) != mask)
                {
                    Split(lo, (hi & ~mask) - 1, output);
                    Split(hi & ~mask, hi, output);
                    return;
                }
            }
        }
        Span<byte> a = stackalloc byte[4];
        Span<byte> b = stackalloc byte[4];
        Encode(lo, a);
        Encode(hi, b);
        var ranges = new (byte, byte)[length];
        for (var i = 0; i < length; i++) ranges[i] = (a[i], b[i]);
        output.Add(new Sequence(ranges));
    }

    public static int EncodedLength(int codePoint) =>
        codePoint <= 0x7F ? 1 : codePoint <= 0x7FF ? 2 : codePoint <= 0xFFFF ? 3 : 4;

    public static int Encode(int codePoint, Span<byte> destination)
    {
        switch (EncodedLength(codePoint))
        {
            case 1:
                destination[0] = (byte)codePoint;
                return 1;
            case 2:
                destination[0] = (byte)(0xC0 | (codePoint >> 6));
                destination[1] = (byte)(0x80 | (codePoint & 0x3F));
                return 2;
            case 3:
                destination[0] = (byte)(0xE0 | (codePoint >> 12));
                destination[1] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                destination[2] = (byte)(0x80 | (codePoint & 0x3F));
                return 3;
            default:
                destination[0] = (byte)(0xF0 | (codePoint >> 18));
                destination[1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                destination[2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                destination[3] = (byte)(0x80 | (codePoint & 0x3F));
                return 4;
        }
    }
}
