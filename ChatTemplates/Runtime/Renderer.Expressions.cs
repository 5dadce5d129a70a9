using System.Text;
using Cluster.ChatTemplates.Syntax;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

internal sealed partial class Renderer
{
    public object? Evaluate(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstantExpr c:
                return c.Value;
            case NameExpr n:
                return scope.TryGet(n.Name, out var value) ? value : Undefined.Variable(n.Name);
            case AttributeExpr a:
                return MemberAccess.GetAttribute(Evaluate(a.Target, scope), a.Name);
            case ItemExpr i:
                return MemberAccess.GetItem(Evaluate(i.Target, scope), Evaluate(i.Key, scope));
            case SliceExpr s:
                return MemberAccess.Slice(Evaluate(s.Target, scope), EvaluateOptional(s.Start, scope),
                    EvaluateOptional(s.Stop, scope), EvaluateOptional(s.Step, scope));
            case ListExpr l:
                var list = new List<object?>(l.Items.Count);
                foreach (var item in l.Items) list.Add(Evaluate(item, scope));
                return list;
            case TupleExpr t:
                var items = new object?[t.Items.Count];
                for (var k = 0; k < items.Length; k++) items[k] = Evaluate(t.Items[k], scope);
                return new PyTuple(items);
            case DictExpr d:
                var dict = new PyDict();
                foreach (var kv in d.Items)
                {
                    var key = Evaluate(kv.Key, scope) ?? throw new TemplateException("TypeError", "None is not a supported dict key here");
                    dict[key] = Evaluate(kv.Value, scope);
                }
                return dict;
            case CallExpr call:
                // obj.method(...) on a str, dict or list runs the method directly instead of binding it first.
                if (call.Callee is AttributeExpr method)
                {
                    var target = Evaluate(method.Target, scope);
                    var arguments = EvaluateArguments(call.Arguments, scope);
                    return Methods.TryInvoke(target, method.Name, arguments, out var returned)
                        ? returned
                        : Invoke(MemberAccess.GetAttribute(target, method.Name), arguments);
                }
                return Invoke(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope));
            case FilterExpr f:
                return ApplyFilterChain(f, null, scope);
            case TestExpr test:
                var result = JinjaTests.Apply(this, test.Name, Evaluate(test.Target, scope), EvaluateArguments(test.Arguments, scope));
                return Boxes.Bool(test.Negated ? !result : result);
            case UnaryExpr u:
                var operand = Evaluate(u.Operand, scope);
                return u.Operator switch
                {
                    "not" => Boxes.Bool(!PythonOperators.IsTruthy(operand)),
                    "-" => PythonOperators.Negate(operand),
                    _ => operand is long or double ? operand : operand is Undefined undefined ? throw undefined.Fail()
                        : throw new TemplateException("TypeError", $"bad operand type for unary +: '{PythonFormatting.TypeName(operand)}'"),
                };
            case BinaryExpr b:
                return EvaluateBinary(b, scope);
            case SumExpr sum:
                return EvaluateSum(sum, scope);
            case CompareExpr c:
                return Boxes.Bool(EvaluateCompare(c, scope));
            case ConcatExpr c:
                var sb = StringBuilderCache.Acquire();
                foreach (var part in c.Parts) PythonFormatting.AppendStr(sb, Evaluate(part, scope));
                return StringBuilderCache.GetStringAndRelease(sb);
            case ConditionalExpr c:
                if (PythonOperators.IsTruthy(Evaluate(c.Test, scope))) return Evaluate(c.Then, scope);
                return c.Else is null
                    ? Undefined.WithHint("the inline if-expression on line " + c.Line + " evaluated to false and no else section was defined.")
                    : Evaluate(c.Else, scope);
            default:
                throw new TemplateException("TemplateRuntimeError", $"unsupported expression {expr.GetType().Name}");
        }
    }

    private object? EvaluateOptional(Expr? expr, Scope scope) => expr is null ? null : Evaluate(expr, scope);

    private object? EvaluateBinary(BinaryExpr b, Scope scope)
    {
        var left = Evaluate(b.Left, scope);
        switch (b.Operator)
        {
            case "and": return PythonOperators.IsTruthy(left) ? Evaluate(b.Right, scope) : left;
            case "or": return PythonOperators.IsTruthy(left) ? left : Evaluate(b.Right, scope);
            default: return PythonOperators.Arithmetic(b.Operator, left, Evaluate(b.Right, scope));
        }
    }

    /// <summary>
    /// Left to right like Python's pairwise <c>+</c>, but a run of strings is joined once at the end. Joining strings cannot
    /// fail, so deferring it is unobservable; any other operand applies the pending join and then Python's <c>+</c>.
    /// </summary>
    private object? EvaluateSum(SumExpr sum, Scope scope)
    {
        var acc = Evaluate(sum.Operands[0], scope);
        StringBuilder? pending = null;
        for (var i = 1; i < sum.Operands.Count; i++)
        {
            var next = Evaluate(sum.Operands[i], scope);
            if (acc is string first && next is string s)
            {
                pending ??= StringBuilderCache.Acquire().Append(first);
                pending.Append(s);
                acc = first;
                continue;
            }
            if (pending is not null)
            {
                acc = StringBuilderCache.GetStringAndRelease(pending);
                pending = null;
            }
            acc = PythonOperators.Arithmetic("+", acc, next);
        }
        return pending is null ? acc : StringBuilderCache.GetStringAndRelease(pending);
    }

    private bool EvaluateCompare(CompareExpr c, Scope scope)
    {
        var left = Evaluate(c.First, scope);
        foreach (var (op, rightExpr) in c.Rest)
        {
            var right = Evaluate(rightExpr, scope);
            var ok = op switch
            {
                "==" => PythonOperators.AreEqual(left, right),
                "!=" => !PythonOperators.AreEqual(left, right),
                "<" => PythonOperators.Compare(left, right, op) < 0,
                "<=" => PythonOperators.Compare(left, right, op) <= 0,
                ">" => PythonOperators.Compare(left, right, op) > 0,
                ">=" => PythonOperators.Compare(left, right, op) >= 0,
                "in" => PythonOperators.Contains(right, left),
                "notin" => !PythonOperators.Contains(right, left),
                _ => throw new TemplateException("TemplateRuntimeError", $"unknown operator {op}"),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    public CallArguments EvaluateArguments(CallSyntax syntax, Scope scope)
    {
        if (syntax.Positional.Count == 0 && syntax.Keywords.Count == 0 && syntax.Splat is null && syntax.KeywordSplat is null)
            return CallArguments.None;
        var positional = new List<object?>(syntax.Positional.Count);
        foreach (var p in syntax.Positional) positional.Add(Evaluate(p, scope));
        if (syntax.Splat is not null) positional.AddRange(PythonOperators.Iterate(Evaluate(syntax.Splat, scope)));
        var keywords = new List<KeyValuePair<string, object?>>(syntax.Keywords.Count);
        foreach (var kv in syntax.Keywords) keywords.Add(new(kv.Key, Evaluate(kv.Value, scope)));
        if (syntax.KeywordSplat is not null && Evaluate(syntax.KeywordSplat, scope) is PyDict extra)
            foreach (var kv in extra) keywords.Add(new(PythonFormatting.Str(kv.Key), kv.Value));
        return new CallArguments(positional, keywords);
    }

    public object? Invoke(object? callee, CallArguments arguments) => callee switch
    {
        PyCallable c => c.Call(this, arguments),
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException("TypeError", $"'{PythonFormatting.TypeName(callee)}' object is not callable"),
    };

    /// <summary>Applies a filter chain whose innermost target is null to <paramref name="input"/>, or evaluates it normally.</summary>
    private object? ApplyFilterChain(FilterExpr f, object? input, Scope scope)
    {
        var value = f.Target switch
        {
            null => input,
            FilterExpr inner => ApplyFilterChain(inner, input, scope),
            var target => Evaluate(target, scope),
        };
        return Filters.Apply(this, f.Name, value, EvaluateArguments(f.Arguments, scope));
    }
}
