namespace Cluster.Parsers;

/// <summary>The formats too irregular for a spec, implemented in code.</summary>
internal static class CodedFormats
{
    public static void Register(ToolCallParserRegistry registry)
    {
    }
}
