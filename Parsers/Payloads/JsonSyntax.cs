namespace Cluster.Parsers.Payloads;

/// <summary>Whole-text JSON checks built on <see cref="JsonScanner"/> (no exceptions, no allocation beyond the scanner).</summary>
internal static class JsonSyntax
{
    /// <summary>True when <paramref name="text"/> (surrounding whitespace allowed) is exactly one JSON value.</summary>
    public static bool IsValue(ReadOnlySpan<char> text)
    {
        var trimmed = text.Trim();
        if (trimmed.IsEmpty)
        {
            return false;
        }
        var scanner = new JsonScanner();
        for (var i = 0; i < trimmed.Length; i++)
        {
            switch (scanner.Push(trimmed[i]))
            {
                case ScanStep.Complete:
                    return i == trimmed.Length - 1;
                case ScanStep.Error:
                case ScanStep.CompleteBefore:
                    return false;
            }
        }
        return scanner.FinishTopLevelNumber();
    }

    /// <summary>True when <paramref name="text"/> is a JSON object or array.</summary>
    public static bool IsContainer(ReadOnlySpan<char> text)
    {
        var trimmed = text.Trim();
        return !trimmed.IsEmpty && trimmed[0] is '{' or '[' && IsValue(trimmed);
    }

    /// <summary>True when <paramref name="text"/> is a JSON number.</summary>
    public static bool IsNumber(ReadOnlySpan<char> text) =>
        !text.IsEmpty && (text[0] == '-' || char.IsAsciiDigit(text[0])) && IsValue(text) && text.Trim().Length == text.Length;
}
