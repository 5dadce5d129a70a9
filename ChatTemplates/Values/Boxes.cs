namespace Cluster.ChatTemplates.Values;

/// <summary>Boxed booleans shared by every render: templates produce many of them and each box would be an allocation.</summary>
internal static class Boxes
{
    public static readonly object True = true;
    public static readonly object False = false;

    public static object Bool(bool value) => value ? True : False;
}
