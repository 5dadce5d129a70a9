namespace Cluster.ChatTemplates.Values;

/// <summary>Jinja2's <c>namespace()</c>: the one object templates may assign attributes to, to carry state out of loops.</summary>
public sealed class Namespace
{
    /// <summary>The attributes, in assignment order.</summary>
    public PyDict Attributes { get; } = new();
}
