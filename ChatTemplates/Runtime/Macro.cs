using Cluster.ChatTemplates.Syntax;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>A <c>{% macro %}</c> (or the body of a <c>{% call %}</c> block, as <c>caller</c>) bound to the scope it was defined in.</summary>
internal sealed class Macro(MacroStmt definition, Scope closure) : PyCallable
{
    private readonly IReadOnlyList<MacroParameter> parameters = definition.Parameters;

    public override string Name => definition.Name;

    internal override object? Call(Renderer renderer, CallArguments arguments)
    {
        // Runaway recursion must end as a template error (Python's RecursionError), not a stack overflow of the process.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var scope = new Scope(closure);
        var extraPositional = new List<object?>();
        for (var i = 0; i < arguments.Positional.Count; i++)
        {
            if (i < parameters.Count) scope.Set(parameters[i].Name, arguments.Positional[i]);
            else if (definition.AccessesVarargs) extraPositional.Add(arguments.Positional[i]);
            else throw new TemplateException("TypeError", $"macro {PythonFormatting.Repr(Name)} takes not more than {parameters.Count} argument(s)");
        }
        var extraKeywords = new PyDict();
        foreach (var kv in arguments.Keywords)
        {
            var index = IndexOf(kv.Key);
            if (index < 0 && kv.Key == "caller" && definition.AccessesCaller) { scope.Set("caller", kv.Value); continue; }
            if (index < 0 && definition.AccessesKwargs) extraKeywords[kv.Key] = kv.Value;
            else if (index < 0)
                throw new TemplateException("TypeError", $"macro {PythonFormatting.Repr(Name)} takes no keyword argument {PythonFormatting.Repr(kv.Key)}");
            else if (index < arguments.Positional.Count)
                throw new TemplateException("TypeError", $"macro {PythonFormatting.Repr(Name)} got multiple values for argument {PythonFormatting.Repr(kv.Key)}");
            else scope.Set(kv.Key, kv.Value);
        }
        for (var i = arguments.Positional.Count; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (arguments.Keywords.Any(kv => kv.Key == p.Name)) continue;
            scope.Set(p.Name, p.Default is null ? Undefined.WithHint($"parameter {PythonFormatting.Repr(p.Name)} was not provided") : renderer.Evaluate(p.Default, scope));
        }
        scope.Set("varargs", new PyTuple([.. extraPositional]));
        scope.Set("kwargs", extraKeywords);
        return renderer.RenderToString(definition.Body, scope);
    }

    private int IndexOf(string parameter)
    {
        for (var i = 0; i < parameters.Count; i++)
            if (parameters[i].Name == parameter) return i;
        return -1;
    }
}
