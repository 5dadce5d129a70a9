namespace Cluster.ChatTemplates.Syntax;

/// <summary>A statement node of a template body.</summary>
internal abstract record Stmt(int Line);

internal sealed record TextStmt(string Text, int Line) : Stmt(Line);

internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);

internal sealed record IfStmt(Expr Test, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);

/// <summary><c>for target in iterable [if filter] [recursive]</c> with an optional <c>else</c> run when nothing was iterated.</summary>
internal sealed record ForStmt(
    Expr Target,
    Expr Iterable,
    Expr? Filter,
    IReadOnlyList<Stmt> Body,
    IReadOnlyList<Stmt> Else,
    bool Recursive,
    int Line) : Stmt(Line);

/// <summary><c>set target = value</c>; the target is a name, a tuple of names or <c>namespace.attribute</c>.</summary>
internal sealed record SetStmt(Expr Target, Expr Value, int Line) : Stmt(Line);

/// <summary><c>{% set name | filters %}body{% endset %}</c>: captures the rendered body.</summary>
internal sealed record SetBlockStmt(Expr Target, Expr? Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary>
/// <c>{% macro name(params) %}</c>. Like Jinja2, a macro accepts extra positional or keyword arguments (or a <c>caller</c>)
/// only when its body reads <c>varargs</c>, <c>kwargs</c> (or <c>caller</c>).
/// </summary>
internal sealed record MacroStmt(
    string Name,
    IReadOnlyList<MacroParameter> Parameters,
    IReadOnlyList<Stmt> Body,
    bool AccessesVarargs,
    bool AccessesKwargs,
    bool AccessesCaller,
    int Line) : Stmt(Line);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the body becomes the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

/// <summary><c>{% filter name(args) %}body{% endfilter %}</c>: the filter expression has the body as its (null) target.</summary>
internal sealed record FilterBlockStmt(FilterExpr Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record BreakStmt(int Line) : Stmt(Line);

internal sealed record ContinueStmt(int Line) : Stmt(Line);

/// <summary>Hugging Face's <c>{% generation %}</c>: marks assistant text for training masks; renders its body unchanged.</summary>
internal sealed record GenerationStmt(IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

/// <summary><c>{% with a = 1 %}…{% endwith %}</c>: a nested scope.</summary>
internal sealed record WithStmt(IReadOnlyList<KeyValuePair<Expr, Expr>> Assignments, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
