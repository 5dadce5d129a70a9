namespace Cluster.ChatTemplates.Values;

/// <summary>
/// MarkupSafe's <c>Markup</c>: a string marked safe by <c>|safe</c> or <c>|escape</c>. It behaves as a string, except that
/// concatenating a plain string to it with <c>+</c> HTML-escapes that string (as Python's <c>Markup.__add__</c> does).
/// </summary>
public sealed class Markup(string text)
{
    /// <summary>The (already safe) text.</summary>
    public string Text { get; } = text;

    /// <summary>HTML-escapes text the way MarkupSafe does.</summary>
    public static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>Wraps a value: Markup stays as it is, anything else is escaped after <c>str()</c>.</summary>
    public static Markup EscapeValue(object? value) => value as Markup ?? new Markup(Escape(PythonFormatting.Str(value)));

    /// <inheritdoc/>
    public override string ToString() => Text;
}
