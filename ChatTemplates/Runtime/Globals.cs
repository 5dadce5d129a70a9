using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates.Runtime;

/// <summary>The global functions a Hugging Face chat template can call.</summary>
internal static class Globals
{
    /// <summary>Jinja2's sandbox refuses ranges longer than this.</summary>
    private const long MaxRange = 100_000;

    public static void AddTo(Scope scope)
    {
        scope.Set("range", new BuiltinCallable("range", (_, a) => Range(a), "type"));
        scope.Set("namespace", new BuiltinCallable("namespace", (_, a) =>
        {
            var ns = new Namespace();
            Fill(ns.Attributes, a);
            return ns;
        }, "type"));
        scope.Set("dict", new BuiltinCallable("dict", (_, a) =>
        {
            var d = new PyDict();
            Fill(d, a);
            return d;
        }, "type"));
        scope.Set("raise_exception", new BuiltinCallable("raise_exception", (_, a) =>
            throw new TemplateRaisedException(PythonFormatting.Str(a.Get(0, "message")))));
        scope.Set("strftime_now", new BuiltinCallable("strftime_now", (r, a) => Strftime.Format(r.Now, PythonFormatting.Str(a.Get(0, "format")))));
        scope.Set("cycler", new BuiltinCallable("cycler", (_, a) => Cycler(a.Positional), "type"));
        scope.Set("joiner", new BuiltinCallable("joiner", (_, a) => Joiner(PythonFormatting.Str(a.Get(0, "sep", ", "))), "type"));
    }

    private static void Fill(PyDict target, CallArguments a)
    {
        foreach (var positional in a.Positional)
        {
            if (positional is PyDict source)
                foreach (var kv in source) target[kv.Key] = kv.Value;
            else
                foreach (var pair in PythonOperators.Iterate(positional))
                {
                    var items = PythonOperators.Iterate(pair).ToList();
                    target[items[0] ?? throw new TemplateException("TypeError", "unhashable key")] = items[1];
                }
        }
        foreach (var kv in a.Keywords) target[kv.Key] = kv.Value;
    }

    private static List<object?> Range(CallArguments a)
    {
        long Bound(object? v) => v switch
        {
            long l => l,
            bool b => b ? 1 : 0,
            _ => throw new TemplateException("TypeError", $"'{PythonFormatting.TypeName(v)}' object cannot be interpreted as an integer"),
        };
        long start = 0, stop, step = 1;
        switch (a.Positional.Count)
        {
            case 1: stop = Bound(a.Positional[0]); break;
            case 2: start = Bound(a.Positional[0]); stop = Bound(a.Positional[1]); break;
            case 3: start = Bound(a.Positional[0]); stop = Bound(a.Positional[1]); step = Bound(a.Positional[2]); break;
            default: throw new TemplateException("TypeError", $"range expected at most 3 arguments, got {a.Positional.Count}");
        }
        if (step == 0) throw new TemplateException("ValueError", "range() arg 3 must not be zero");
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= MaxRange)
                throw new TemplateException("OverflowError", $"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
            result.Add(i);
        }
        return result;
    }

    private static object Cycler(List<object?> items)
    {
        var position = 0;
        var cycler = new PyDict();
        cycler["next"] = new BuiltinCallable("next", (_, _) =>
        {
            var item = items[position];
            position = (position + 1) % items.Count;
            return item;
        });
        cycler["reset"] = new BuiltinCallable("reset", (_, _) => { position = 0; return null; });
        return cycler;
    }

    private static BuiltinCallable Joiner(string separator)
    {
        var used = false;
        return new BuiltinCallable("joiner", (_, _) =>
        {
            if (used) return separator;
            used = true;
            return "";
        }, "Joiner");
    }
}
