using System.Text;

namespace Cluster.Constraints.Grammars;

/// <summary>
/// Marks a grammar that matches exactly one character (however many bytes or escape characters spell it), so lengths in
/// characters can be reasoned about; compiled as its content.
/// </summary>
internal sealed class CharacterNode(Grammar content) : Grammar
{
    public Grammar Content { get; } = content;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("ch(");
        Content.AppendKey(builder);
        builder.Append(')');
    }

    /// <summary>
    /// The least and greatest number of characters <paramref name="grammar"/> can match (greatest null when unbounded), or null
    /// when the grammar is not built from <see cref="CharacterNode"/>s alone.
    /// </summary>
    public static (long Min, long? Max)? LengthBounds(Grammar grammar)
    {
        switch (grammar)
        {
            case CharacterNode:
                return (1, 1);
            case EmptyNode:
                return (0, 0);
            case SequenceNode sequence:
                {
                    long min = 0;
                    long? max = 0;
                    foreach (var item in sequence.Items)
                    {
                        if (LengthBounds(item) is not { } b) return null;
                        min += b.Min;
                        max = max is { } m && b.Max is { } bm ? m + bm : null;
                    }
                    return (min, max);
                }
            case ChoiceNode choice:
                {
                    long min = long.MaxValue;
                    long? max = 0;
                    foreach (var item in choice.Items)
                    {
                        if (LengthBounds(item) is not { } b) return null;
                        min = Math.Min(min, b.Min);
                        max = max is { } m && b.Max is { } bm ? Math.Max(m, bm) : null;
                    }
                    return (min == long.MaxValue ? 0 : min, max);
                }
            case RepeatNode { Separator: null } repeat:
                {
                    if (LengthBounds(repeat.Item) is not { } b) return null;
                    long? max = repeat.Max is { } rm && b.Max is { } bm ? rm * bm : b.Max == 0 ? 0 : null;
                    return (repeat.Min * b.Min, max);
                }
            default:
                return null;
        }
    }
}
