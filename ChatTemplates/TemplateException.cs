namespace Cluster.ChatTemplates;

/// <summary>
/// A template failed to compile or render. <see cref="PythonType"/> names the exception Jinja2 raises in the same
/// situation (<c>TemplateSyntaxError</c>, <c>UndefinedError</c>, <c>TypeError</c>, <c>SecurityError</c>, …) so that
/// <c>"{PythonType}: {Message}"</c> reads like Hugging Face's error.
/// </summary>
public class TemplateException(string pythonType, string message) : Exception(message)
{
    /// <summary>The Python exception class name Jinja2 would raise.</summary>
    public string PythonType { get; } = pythonType;

    /// <summary>The error as Python prints it: <c>Type: message</c>.</summary>
    public string Describe() => $"{PythonType}: {Message}";
}

/// <summary>The template itself called <c>raise_exception(message)</c>; <see cref="Exception.Message"/> is its text.</summary>
public sealed class TemplateRaisedException(string message) : TemplateException("TemplateError", message);
