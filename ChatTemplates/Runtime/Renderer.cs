using System.Text;
using Cluster.ChatTemplates.Syntax;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>
/// Executes a parsed template against variables: statements write to an output buffer, expressions evaluate to Python-like
/// values (see <see cref="Values"/>). One renderer serves one render call.
/// </summary>
internal sealed partial class Renderer
{
    private enum Flow { Normal, Break, Continue }

    private readonly Scope _globals;

    public Renderer(Scope globals, DateTime now)
    {
        _globals = globals;
        Now = now;
    }

    /// <summary>The moment <c>strftime_now</c> renders.</summary>
    public DateTime Now { get; }

    public string Render(IReadOnlyList<Stmt> body, int expectedLength)
    {
        var sb = new StringBuilder(expectedLength);
        Execute(body, new Scope(_globals), sb);
        return sb.ToString();
    }

    public string RenderToString(IReadOnlyList<Stmt> body, Scope scope)
    {
        var sb = new StringBuilder();
        Execute(body, scope, sb);
        return sb.ToString();
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            var flow = Execute(stmt, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt stmt, Scope scope, StringBuilder output)
    {
        switch (stmt)
        {
            case TextStmt text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStmt o:
                PythonFormatting.AppendStr(output, Evaluate(o.Value, scope));
                return Flow.Normal;
            case IfStmt i:
                return Execute(PythonOperators.IsTruthy(Evaluate(i.Test, scope)) ? i.Body : i.Else, scope, output);
            case ForStmt f:
                return ExecuteFor(f, scope, output);
            case SetStmt s:
                Assign(s.Target, Evaluate(s.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt sb:
                object? captured = RenderToStringInScope(sb.Body, scope);
                if (sb.Filter is not null) captured = ApplyFilterChain((FilterExpr)sb.Filter, captured, scope);
                Assign(sb.Target, captured, scope);
                return Flow.Normal;
            case MacroStmt m:
                scope.Set(m.Name, new Macro(m, scope));
                return Flow.Normal;
            case CallBlockStmt c:
                var caller = new Macro(new MacroStmt("caller", c.Parameters, c.Body, true, true, true, c.Line), scope);
                var callee = Evaluate(c.Call.Callee, scope);
                var evaluated = EvaluateArguments(c.Call.Arguments, scope);
                var args = new CallArguments(evaluated.Positional, [.. evaluated.Keywords, new("caller", caller)]);
                PythonFormatting.AppendStr(output, Invoke(callee, args));
                return Flow.Normal;
            case FilterBlockStmt fb:
                PythonFormatting.AppendStr(output, ApplyFilterChain(fb.Filter, RenderToStringInScope(fb.Body, scope), scope));
                return Flow.Normal;
            case GenerationStmt g:
                return Execute(g.Body, scope, output);
            case WithStmt w:
                var inner = new Scope(scope);
                foreach (var kv in w.Assignments) Assign(kv.Key, Evaluate(kv.Value, scope), inner);
                return Execute(w.Body, inner, output);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new TemplateException("TemplateRuntimeError", $"unsupported statement {stmt.GetType().Name}");
        }
    }

    private string RenderToStringInScope(IReadOnlyList<Stmt> body, Scope scope)
    {
        var sb = new StringBuilder();
        Execute(body, scope, sb);
        return sb.ToString();
    }

    private Flow ExecuteFor(ForStmt f, Scope scope, StringBuilder output)
    {
        if (f.Recursive) throw new TemplateException("TemplateRuntimeError", "recursive loops are not supported");
        var source = Evaluate(f.Iterable, scope);
        var items = new List<object?>();
        foreach (var item in PythonOperators.Iterate(source))
        {
            if (f.Filter is not null)
            {
                var probe = new Scope(scope);
                Assign(f.Target, item, probe);
                if (!PythonOperators.IsTruthy(Evaluate(f.Filter, probe))) continue;
            }
            items.Add(item);
        }
        if (items.Count == 0) return Execute(f.Else, scope, output);
        // depth is 1 for every non-recursive loop, nested or not (recursive loops are not supported).
        var loop = new LoopContext(items, 0);
        for (var i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            var iteration = new Scope(scope);
            iteration.Set("loop", loop);
            Assign(f.Target, items[i], iteration);
            if (Execute(f.Body, iteration, output) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private void Assign(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr n:
                scope.Set(n.Name, value);
                break;
            case TupleExpr t:
                var values = PythonOperators.Iterate(value).ToList();
                if (values.Count != t.Items.Count)
                    throw new TemplateException("ValueError", values.Count < t.Items.Count
                        ? $"not enough values to unpack (expected {t.Items.Count}, got {values.Count})"
                        : $"too many values to unpack (expected {t.Items.Count})");
                for (var i = 0; i < values.Count; i++) Assign(t.Items[i], values[i], scope);
                break;
            case AttributeExpr a:
                if (Evaluate(a.Target, scope) is not Namespace ns)
                    throw new TemplateException("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
                ns.Attributes[a.Name] = value;
                break;
            default:
                throw new TemplateException("TemplateSyntaxError", "can't assign to this expression");
        }
    }
}
