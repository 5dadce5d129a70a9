using System.Globalization;

namespace Cluster.ChatTemplates.Syntax;

/// <summary>Recursive-descent parser producing the template's statement tree, with Jinja2's operator precedence.</summary>
internal sealed class Parser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", ">", "<=", ">="];

    private readonly List<Token> _tokens;
    private readonly List<UnknownName> _unknownNames = [];
    private int _pos;

    // Jinja2 rejects an unknown filter or test at compile time, unless it sits in an if statement or a conditional
    // expression ("soft" frames), where the error waits until the expression actually runs.
    private bool _soft;

    private sealed class UnknownName(string message, bool soft)
    {
        public string Message { get; } = message;

        public bool Soft { get; set; } = soft;
    }

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        var body = parser.ParseBody([]);
        if (parser.Current.Kind != TokenKind.End) throw parser.Error($"unexpected {parser.Current}");
        var hard = parser._unknownNames.FirstOrDefault(u => !u.Soft);
        if (hard is not null) throw new TemplateException("TemplateAssertionError", hard.Message);
        return body;
    }

    private Token Current => _tokens[_pos];

    private Token Peek(int offset = 1) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_pos++];

    private TemplateException Error(string message) => new("TemplateSyntaxError", message);

    private Token Expect(TokenKind kind, string? value = null)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
            throw Error($"expected token '{value ?? kind.ToString()}', got {t}");
        _pos++;
        return t;
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _pos++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _pos++;
        return true;
    }

    /// <summary>Parses statements until a block tag whose first name is in <paramref name="endTags"/> (left unconsumed).</summary>
    private List<Stmt> ParseBody(string[] endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (endTags.Length > 0)
                        throw Error($"Unexpected end of template. Jinja was looking for the following tags: {string.Join(" or ", endTags.Select(e => $"'{e}'"))}.");
                    return body;
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextStmt(t.Value, t.Line));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    var value = ParseTuple(allowEmpty: false);
                    Expect(TokenKind.VariableEnd);
                    body.Add(new OutputStmt(value, t.Line));
                    break;
                case TokenKind.BlockBegin:
                    var tag = Peek();
                    if (tag.Kind == TokenKind.Name && endTags.Contains(tag.Value)) return body;
                    _pos++;
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error($"unexpected {t}");
            }
        }
    }

    private void EndBlock() => Expect(TokenKind.BlockEnd);

    /// <summary>Consumes <c>{% name %}</c> (a closing or separating tag).</summary>
    private void ExpectTag(string name)
    {
        Expect(TokenKind.BlockBegin);
        Expect(TokenKind.Name, name);
    }

    private Stmt ParseStatement()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var t = Expect(TokenKind.Name);
        switch (t.Value)
        {
            case "if": return ParseIf(t.Line);
            case "for": return ParseFor(t.Line);
            case "set": return ParseSet(t.Line);
            case "macro": return ParseMacro(t.Line);
            case "call": return ParseCallBlock(t.Line);
            case "filter": return ParseFilterBlock(t.Line);
            case "with": return ParseWith(t.Line);
            case "break": EndBlock(); return new BreakStmt(t.Line);
            case "continue": EndBlock(); return new ContinueStmt(t.Line);
            case "generation":
                EndBlock();
                var body = ParseBody(["endgeneration"]);
                ExpectTag("endgeneration");
                EndBlock();
                return new GenerationStmt(body, t.Line);
            default:
                throw Error($"Encountered unknown tag '{t.Value}'.");
        }
    }

    /// <summary>Parses a nested body in a frame of its own (not soft), as Jinja2's loops, macros and blocks get.</summary>
    private List<Stmt> ParseInnerBody(string[] endTags)
    {
        var saved = _soft;
        _soft = false;
        try
        {
            return ParseBody(endTags);
        }
        finally
        {
            _soft = saved;
        }
    }

    private Stmt ParseIf(int line)
    {
        var saved = _soft;
        _soft = true;
        try
        {
            return ParseIfBranches(line);
        }
        finally
        {
            _soft = saved;
        }
    }

    private Stmt ParseIfBranches(int line)
    {
        var test = ParseExpression();
        EndBlock();
        var body = ParseBody(["elif", "else", "endif"]);
        Expect(TokenKind.BlockBegin);
        var tag = Expect(TokenKind.Name);
        IReadOnlyList<Stmt> elseBody = [];
        if (tag.Value == "elif")
        {
            elseBody = [ParseIfBranches(tag.Line)];
            return new IfStmt(test, body, elseBody, line);
        }
        if (tag.Value == "else")
        {
            EndBlock();
            elseBody = ParseBody(["endif"]);
            ExpectTag("endif");
        }
        EndBlock();
        return new IfStmt(test, body, elseBody, line);
    }

    private Stmt ParseFor(int line)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(allowEmpty: false, withCondition: false);
        Expr? filter = null;
        if (SkipName("if")) filter = ParseExpression();
        var recursive = SkipName("recursive");
        EndBlock();
        var body = ParseInnerBody(["endfor", "else"]);
        IReadOnlyList<Stmt> elseBody = [];
        Expect(TokenKind.BlockBegin);
        if (Next().Value == "else")
        {
            EndBlock();
            elseBody = ParseInnerBody(["endfor"]);
            ExpectTag("endfor");
        }
        EndBlock();
        return new ForStmt(target, iterable, filter, body, elseBody, recursive, line);
    }

    private Stmt ParseSet(int line)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (SkipOperator("="))
        {
            var value = ParseTuple(allowEmpty: false);
            EndBlock();
            return new SetStmt(target, value, line);
        }
        Expr? filter = null;
        if (Current.IsOperator("|")) filter = ParseFilterChain(null);
        EndBlock();
        var body = ParseInnerBody(["endset"]);
        ExpectTag("endset");
        EndBlock();
        return new SetBlockStmt(target, filter, body, line);
    }

    /// <summary>A name, <c>a, b</c>, <c>(a, b)</c>, or (for set) <c>ns.attr</c>.</summary>
    private Expr ParseAssignTarget(bool allowAttribute)
    {
        var line = Current.Line;
        var items = new List<Expr>();
        var parenthesized = SkipOperator("(");
        do
        {
            if (Current.IsOperator("(")) items.Add(ParseAssignTarget(allowAttribute: false));
            else
            {
                var name = Expect(TokenKind.Name);
                if (allowAttribute && SkipOperator("."))
                    items.Add(new AttributeExpr(new NameExpr(name.Value, name.Line), Expect(TokenKind.Name).Value, name.Line));
                else items.Add(new NameExpr(name.Value, name.Line));
            }
        } while (SkipOperator(",") && (Current.Kind == TokenKind.Name || Current.IsOperator("(")));
        if (parenthesized) Expect(TokenKind.Operator, ")");
        return items.Count == 1 && !parenthesized ? items[0] : new TupleExpr(items, line);
    }

    private List<MacroParameter> ParseParameters()
    {
        var parameters = new List<MacroParameter>();
        Expect(TokenKind.Operator, "(");
        while (!SkipOperator(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOperator(")")) break;
            var name = Expect(TokenKind.Name).Value;
            Expr? defaultValue = SkipOperator("=") ? ParseExpression() : null;
            parameters.Add(new MacroParameter(name, defaultValue));
        }
        return parameters;
    }

    private Stmt ParseMacro(int line)
    {
        var name = Expect(TokenKind.Name).Value;
        var parameters = ParseParameters();
        EndBlock();
        var bodyStart = _pos;
        var body = ParseInnerBody(["endmacro"]);
        bool Reads(string variable) => parameters.All(p => p.Name != variable)
            && _tokens.Skip(bodyStart).Take(_pos - bodyStart).Any(t => t.IsName(variable));
        ExpectTag("endmacro");
        EndBlock();
        return new MacroStmt(name, parameters, body, Reads("varargs"), Reads("kwargs"), Reads("caller"), line);
    }

    private Stmt ParseCallBlock(int line)
    {
        var parameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParseExpression() as CallExpr ?? throw Error("expected call");
        EndBlock();
        var body = ParseInnerBody(["endcall"]);
        ExpectTag("endcall");
        EndBlock();
        return new CallBlockStmt(call, parameters, body, line);
    }

    private Stmt ParseFilterBlock(int line)
    {
        var filter = (FilterExpr)ParseFilterChain(null, requireBar: false);
        EndBlock();
        var body = ParseInnerBody(["endfilter"]);
        ExpectTag("endfilter");
        EndBlock();
        return new FilterBlockStmt(filter, body, line);
    }

    private Stmt ParseWith(int line)
    {
        var assignments = new List<KeyValuePair<Expr, Expr>>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) Expect(TokenKind.Operator, ",");
            var target = ParseAssignTarget(allowAttribute: false);
            Expect(TokenKind.Operator, "=");
            assignments.Add(new(target, ParseExpression()));
        }
        EndBlock();
        var body = ParseBody(["endwith"]);
        ExpectTag("endwith");
        EndBlock();
        return new WithStmt(assignments, body, line);
    }

    // ---- expressions, lowest precedence first ----

    /// <summary>An expression, or an implicit tuple <c>a, b</c> where Jinja2 allows one.</summary>
    private Expr ParseTuple(bool allowEmpty, bool withCondition = true)
    {
        var line = Current.Line;
        var items = new List<Expr>();
        var sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!SkipOperator(",")) break;
                sawComma = true;
            }
            if (Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || Current.IsOperator(")") || Current.IsName("if") && !withCondition)
                break;
            items.Add(withCondition ? ParseExpression() : ParseOr());
        }
        if (items.Count == 0 && !allowEmpty) throw Error($"Expected an expression, got {Current}");
        return !sawComma && items.Count == 1 ? items[0] : new TupleExpr(items, line);
    }

    private Expr ParseExpression()
    {
        var mark = _unknownNames.Count;
        var expr = ParseOr();
        if (Current.IsName("if")) expr = ParseConditional(expr);
        for (var i = mark; i < _unknownNames.Count && expr is ConditionalExpr; i++) _unknownNames[i].Soft = true;
        return expr;
    }

    private Expr ParseConditional(Expr expr)
    {
        var saved = _soft;
        _soft = true;
        while (Current.IsName("if"))
        {
            var line = Next().Line;
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseExpression() : null;
            expr = new ConditionalExpr(test, expr, otherwise, line);
        }
        _soft = saved;
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var line = Next().Line;
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var line = Next().Line;
            left = new BinaryExpr("and", left, ParseNot(), line);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var line = Next().Line;
            return new UnaryExpr("not", ParseNot(), line);
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var line = Current.Line;
        var first = ParseMath1();
        var rest = new List<KeyValuePair<string, Expr>>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOperators.Contains(Current.Value))
            {
                var op = Next().Value;
                rest.Add(new(op, ParseMath1()));
            }
            else if (SkipName("in")) rest.Add(new("in", ParseMath1()));
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _pos += 2;
                rest.Add(new("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1()
    {
        var line = Current.Line;
        var left = ParseConcat();
        List<Expr>? sum = null;
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var t = Next();
            var right = ParseConcat();
            if (t.Value == "+")
            {
                sum ??= [left];
                sum.Add(right);
                continue;
            }
            left = new BinaryExpr("-", Sum(sum, left, line), right, t.Line);
            sum = null;
        }
        return Sum(sum, left, line);
    }

    private static Expr Sum(List<Expr>? operands, Expr single, int line) => operands switch
    {
        null => single,
        { Count: 2 } => new BinaryExpr("+", operands[0], operands[1], line),
        _ => new SumExpr(operands, line),
    };

    private Expr ParseConcat()
    {
        var line = Current.Line;
        var parts = new List<Expr> { ParseMath2() };
        while (SkipOperator("~")) parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts, line);
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var t = Next();
            left = new BinaryExpr(t.Value, left, ParsePow(), t.Line);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var t = Next();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), t.Line);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var t = Current;
        Expr node;
        if (t.IsOperator("-") || t.IsOperator("+"))
        {
            _pos++;
            node = new UnaryExpr(t.Value, ParseUnary(withFilter: false), t.Line);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpression(node) : node;
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new ConstantExpr(true, t.Line),
                    "false" or "False" => new ConstantExpr(false, t.Line),
                    "none" or "None" => new ConstantExpr(null, t.Line),
                    _ => new NameExpr(t.Value, t.Line),
                };
            case TokenKind.String:
                var text = t.Value;
                while (Current.Kind == TokenKind.String) text += Next().Value;
                return new ConstantExpr(text, t.Line);
            case TokenKind.Integer:
                // Python ints are unbounded; literals beyond 64 bits stay exact for printing and JSON.
                return long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var small)
                    ? new ConstantExpr(small, t.Line)
                    : new ConstantExpr(System.Numerics.BigInteger.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case TokenKind.Float:
                return new ConstantExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case TokenKind.Operator when t.Value == "(":
                var inner = ParseTuple(allowEmpty: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                var items = new List<Expr>();
                while (!SkipOperator("]"))
                {
                    if (items.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOperator("]")) break;
                    items.Add(ParseExpression());
                }
                return new ListExpr(items, t.Line);
            case TokenKind.Operator when t.Value == "{":
                var pairs = new List<KeyValuePair<Expr, Expr>>();
                while (!SkipOperator("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOperator("}")) break;
                    var key = ParseExpression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add(new(key, ParseExpression()));
                }
                return new DictExpr(pairs, t.Line);
            default:
                throw Error($"unexpected {t}");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                _pos++;
                var member = Next();
                node = member.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(node, member.Value, t.Line),
                    TokenKind.Integer => new ItemExpr(node, new ConstantExpr(long.Parse(member.Value, CultureInfo.InvariantCulture), t.Line), t.Line),
                    _ => throw Error("expected name or number"),
                };
            }
            else if (t.IsOperator("[")) { _pos++; node = ParseSubscript(node, t.Line); }
            else if (t.IsOperator("(")) { _pos++; node = new CallExpr(node, ParseCallArguments(), t.Line); }
            else return node;
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null, stop = null, step = null;
        var isSlice = false;
        if (!Current.IsOperator(":")) start = ParseExpression();
        if (SkipOperator(":"))
        {
            isSlice = true;
            if (!Current.IsOperator("]") && !Current.IsOperator(":")) stop = ParseExpression();
            if (SkipOperator(":") && !Current.IsOperator("]")) step = ParseExpression();
        }
        Expect(TokenKind.Operator, "]");
        return isSlice ? new SliceExpr(target, start, stop, step, line) : new ItemExpr(target, start!, line);
    }

    /// <summary>Parses call arguments after the opening parenthesis, through the closing one.</summary>
    private CallSyntax ParseCallArguments()
    {
        var positional = new List<Expr>();
        var keywords = new List<KeyValuePair<string, Expr>>();
        Expr? splat = null, keywordSplat = null;
        var first = true;
        while (!SkipOperator(")"))
        {
            if (!first) Expect(TokenKind.Operator, ",");
            first = false;
            if (SkipOperator(")")) break;
            if (SkipOperator("**")) keywordSplat = ParseExpression();
            else if (SkipOperator("*")) splat = ParseExpression();
            else if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Value;
                _pos++;
                keywords.Add(new(name, ParseExpression()));
            }
            else positional.Add(ParseExpression());
        }
        return new CallSyntax(positional, keywords, splat, keywordSplat);
    }

    private string ParseDottedName()
    {
        var name = Expect(TokenKind.Name).Value;
        while (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            _pos++;
            name += "." + Next().Value;
        }
        return name;
    }

    private Expr ParseFilterExpression(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilterChain(node);
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) { var line = Next().Line; node = new CallExpr(node, ParseCallArguments(), line); }
            else return node;
        }
    }

    private Expr ParseFilterChain(Expr? target, bool requireBar = true)
    {
        var first = true;
        while (first && !requireBar || SkipOperator("|"))
        {
            first = false;
            var line = Current.Line;
            var name = ParseDottedName();
            if (!Runtime.Filters.Exists(name)) _unknownNames.Add(new UnknownName($"No filter named '{name}'.", _soft));
            var args = SkipOperator("(") ? ParseCallArguments() : CallSyntax.Empty;
            target = new FilterExpr(target, name, args, line);
        }
        return target!;
    }

    private Expr ParseTest(Expr node)
    {
        var line = Next().Line;
        var negated = SkipName("not");
        var name = ParseDottedName();
        if (!Runtime.JinjaTests.Exists(name)) _unknownNames.Add(new UnknownName($"No test named '{name}'.", _soft));
        var args = CallSyntax.Empty;
        if (SkipOperator("(")) args = ParseCallArguments();
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                     || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is")) throw Error("You cannot chain multiple tests with is");
            var argument = ParsePostfix(ParsePrimary());
            args = new CallSyntax([argument], [], null, null);
        }
        return new TestExpr(node, name, args, negated, line);
    }
}
