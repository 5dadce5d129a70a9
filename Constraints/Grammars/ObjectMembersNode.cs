using System.Text;

namespace Cluster.Constraints.Grammars;

/// <summary>
/// The members of a JSON object in declared order: required ones always, optional ones possibly skipped, separators only
/// between members that are present, then any number of additional members. The NFA builder shares every continuation,
/// so the size stays linear in the number of members however many are optional.
/// </summary>
internal sealed class ObjectMembersNode((Grammar Member, bool Required)[] members, Grammar separator, Grammar? additional) : Grammar
{
    public (Grammar Member, bool Required)[] Members { get; } = members;

    public Grammar Separator { get; } = separator;

    /// <summary>One additional <c>"key": value</c> member, or null when none are allowed.</summary>
    public Grammar? Additional { get; } = additional;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("members(");
        foreach (var (member, required) in Members)
        {
            builder.Append(required ? '!' : '?');
            member.AppendKey(builder);
        }
        builder.Append(" sep ");
        Separator.AppendKey(builder);
        if (Additional is not null)
        {
            builder.Append(" more ");
            Additional.AppendKey(builder);
        }
        builder.Append(')');
    }
}
