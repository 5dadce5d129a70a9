using System.Text;

namespace Cluster.Parsers.Engine;

/// <summary>
/// Text waiting to be emitted as the next delta. Leaner than a <see cref="StringBuilder"/> on the per-character path
/// (one array, no chunk bookkeeping); one-character deltas come from <see cref="DeltaText"/>'s table.
/// </summary>
internal sealed class PendingText
{
    private char[] _chars = new char[256];

    public int Length { get; private set; }

    public void Append(char c)
    {
        if (Length == _chars.Length)
        {
            Array.Resize(ref _chars, _chars.Length * 2);
        }
        _chars[Length++] = c;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (Length + text.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, Length + text.Length));
        }
        text.CopyTo(_chars.AsSpan(Length));
        Length += text.Length;
    }

    public void Append(StringBuilder text)
    {
        foreach (var chunk in text.GetChunks())
        {
            Append(chunk.Span);
        }
    }

    /// <summary>The pending text as a string; the buffer is emptied.</summary>
    public string Take()
    {
        var text = Length == 1 ? DeltaText.Single(_chars[0]) : new string(_chars, 0, Length);
        Length = 0;
        return text;
    }
}
