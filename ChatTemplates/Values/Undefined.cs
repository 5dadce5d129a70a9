namespace Cluster.ChatTemplates.Values;

/// <summary>
/// Jinja2's default <c>Undefined</c>: a missing variable, attribute or item. It renders as "", is falsy and iterates
/// as empty, but any other use raises the error it remembers (an <c>UndefinedError</c>, or a <c>SecurityError</c> when it
/// stands for an attribute the sandbox refused).
/// </summary>
public sealed class Undefined
{
    private readonly string? _name;
    private readonly object? _owner;
    private readonly bool _hasOwner;
    private readonly string? _hint;

    private Undefined(string? name, object? owner, bool hasOwner, string? hint, string errorType)
    {
        _name = name;
        _owner = owner;
        _hasOwner = hasOwner;
        _hint = hint;
        ErrorType = errorType;
    }

    /// <summary>The Python exception class raised when this value is used.</summary>
    public string ErrorType { get; }

    /// <summary>A variable that is not defined.</summary>
    public static Undefined Variable(string name) => new(name, null, false, null, "UndefinedError");

    /// <summary>A missing attribute or item <paramref name="key"/> of <paramref name="owner"/>.</summary>
    public static Undefined Member(object? owner, object? key) =>
        new(key as string, owner, true, key is string ? null : MissingElementHint(owner, key), "UndefinedError");

    /// <summary>An attribute the immutable sandbox refuses to expose.</summary>
    public static Undefined Unsafe(object? owner, string attribute) =>
        new(attribute, owner, true,
            $"access to attribute {PythonFormatting.Repr(attribute)} of {PythonFormatting.Repr(PythonFormatting.TypeName(owner))} object is unsafe.",
            "SecurityError");

    /// <summary>An undefined value with a custom message (e.g. the missing <c>else</c> of a conditional expression).</summary>
    public static Undefined WithHint(string hint) => new(null, null, false, hint, "UndefinedError");

    /// <summary>The message Jinja2 gives when this value is used.</summary>
    public string Message
    {
        get
        {
            if (_hint is not null) return _hint;
            if (!_hasOwner) return $"{PythonFormatting.Repr(_name)} is undefined";
            return $"{PythonFormatting.Repr(ObjectTypeRepr(_owner))} has no attribute {PythonFormatting.Repr(_name)}";
        }
    }

    /// <summary>Raises the error this value stands for.</summary>
    public TemplateException Fail() => new(ErrorType, Message);

    private static string MissingElementHint(object? owner, object? key) =>
        $"{ObjectTypeRepr(owner)} has no element {PythonFormatting.Repr(key)}";

    private static string ObjectTypeRepr(object? owner) =>
        owner is null ? "None" : PythonFormatting.TypeName(owner) + " object";
}
