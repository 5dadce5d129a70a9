namespace Cluster.ChatTemplates.Syntax;

/// <summary>An expression node; <see cref="Line"/> locates it in the source for error messages.</summary>
internal abstract record Expr(int Line);

internal sealed record ConstantExpr(object? Value, int Line) : Expr(Line);

internal sealed record NameExpr(string Name, int Line) : Expr(Line);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record DictExpr(IReadOnlyList<KeyValuePair<Expr, Expr>> Items, int Line) : Expr(Line);

/// <summary><c>obj.name</c>: attribute first, then item (Jinja2's <c>getattr</c>).</summary>
internal sealed record AttributeExpr(Expr Target, string Name, int Line) : Expr(Line);

/// <summary><c>obj[key]</c>: item first, then attribute (Jinja2's <c>getitem</c>).</summary>
internal sealed record ItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);

internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);

/// <summary>Arguments as written at a call site (<c>*args</c> and <c>**kwargs</c> included).</summary>
internal sealed record CallSyntax(
    IReadOnlyList<Expr> Positional,
    IReadOnlyList<KeyValuePair<string, Expr>> Keywords,
    Expr? Splat,
    Expr? KeywordSplat)
{
    public static CallSyntax Empty { get; } = new([], [], null, null);
}

internal sealed record CallExpr(Expr Callee, CallSyntax Arguments, int Line) : Expr(Line);

internal sealed record FilterExpr(Expr? Target, string Name, CallSyntax Arguments, int Line) : Expr(Line);

internal sealed record TestExpr(Expr Target, string Name, CallSyntax Arguments, bool Negated, int Line) : Expr(Line);

internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Line) : Expr(Line);

internal sealed record UnaryExpr(string Operator, Expr Operand, int Line) : Expr(Line);

/// <summary>A chain such as <c>a &lt; b &lt;= c</c> (each comparison shares its operand with the next).</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<KeyValuePair<string, Expr>> Rest, int Line) : Expr(Line);

/// <summary><c>a + b + c …</c> (three or more operands): strings are joined once instead of pairwise.</summary>
internal sealed record SumExpr(IReadOnlyList<Expr> Operands, int Line) : Expr(Line);

internal sealed record ConcatExpr(IReadOnlyList<Expr> Parts, int Line) : Expr(Line);

internal sealed record ConditionalExpr(Expr Test, Expr Then, Expr? Else, int Line) : Expr(Line);
