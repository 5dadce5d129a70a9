using System.Text;
using Cluster.Constraints.Grammars;

namespace Cluster.Constraints.Text;

/// <summary>
/// How characters appear inside a JSON string literal: most code points as their UTF-8 bytes, <c>"</c>, <c>\</c> and
/// control characters as escapes. Each grammar built here matches exactly one character of the decoded string.
/// </summary>
internal static class JsonStringCharacters
{
    /// <summary>Code points that must be escaped inside a JSON string.</summary>
    public static CodePointSet MustEscape { get; } = CodePointSet.FromRanges([(0, 0x1F), ('"', '"'), ('\\', '\\')]);

    /// <summary>Code points written as themselves.</summary>
    public static CodePointSet Unescaped { get; } = MustEscape.Complement();

    /// <summary>One character of any decoded value: unescaped text or one of the short escapes (no <c>\uXXXX</c> outside controls, so no lone surrogates).</summary>
    public static Grammar AnyCharacter { get; } = Grammar.Alternatives(
        new CodePointClassNode(Unescaped),
        Grammar.Sequence(Grammar.Literal("\\"), new ByteClassNode([((byte)'"', (byte)'"'), ((byte)'/', (byte)'/'), ((byte)'\\', (byte)'\\'), ((byte)'b', (byte)'b'), ((byte)'f', (byte)'f'), ((byte)'n', (byte)'n'), ((byte)'r', (byte)'r'), ((byte)'t', (byte)'t')])),
        Grammar.Sequence(Grammar.Literal("\\u00"), new ByteClassNode([((byte)'0', (byte)'1')]), new ByteClassNode([((byte)'0', (byte)'9'), ((byte)'a', (byte)'f')])));

    /// <summary>One character drawn from <paramref name="set"/>, escaped as JSON requires.</summary>
    public static Grammar ForSet(CodePointSet set)
    {
        if (set.Ranges.Count == 1 && set.Ranges[0].Lo == set.Ranges[0].Hi) return Grammar.Literal(Escape(set.Ranges[0].Lo));
        var plain = set.Intersect(Unescaped);
        var options = new List<Grammar>();
        if (!plain.IsEmpty) options.Add(new CodePointClassNode(plain));
        foreach (var (lo, hi) in set.Intersect(MustEscape).Ranges)
        {
            for (var c = lo; c <= hi; c++) options.Add(Grammar.Literal(Escape(c)));
        }
        return options.Count == 0 ? Grammar.Nothing : Grammar.Alternatives([.. options]);
    }

    /// <summary>The JSON spelling of one code point inside a string.</summary>
    public static string Escape(int c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\b' => "\\b",
        '\f' => "\\f",
        < 0x20 => $"\\u{c:x4}",
        _ => char.ConvertFromUtf32(c),
    };

    /// <summary>The JSON string contents (without quotes) spelling <paramref name="value"/>.</summary>
    public static string EscapeString(string value)
    {
        var builder = new StringBuilder();
        foreach (var rune in value.EnumerateRunes()) builder.Append(Escape(rune.Value));
        return builder.ToString();
    }
}
