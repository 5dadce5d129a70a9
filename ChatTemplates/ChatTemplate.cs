using System.Collections.Concurrent;
using Cluster.ChatTemplates.Probing;
using Cluster.ChatTemplates.Runtime;
using Cluster.ChatTemplates.Syntax;
using Cluster.ChatTemplates.Values;

namespace Cluster.ChatTemplates;

/// <summary>
/// A compiled Hugging Face chat template. Compiling parses once; rendering is thread-safe and can run concurrently.
/// Rendering follows Python Jinja2's <c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c> with
/// Hugging Face's globals and filters, so output matches <c>apply_chat_template</c> byte for byte.
/// </summary>
public sealed class ChatTemplate
{
    // Templates can come with requests, so the cache is bounded; real deployments use a handful of templates.
    private const int CacheLimit = 256;

    private static readonly ConcurrentDictionary<string, ChatTemplate> Cache = new(StringComparer.Ordinal);

    // The global functions are stateless (cycler/joiner make their state per call), so every render shares them.
    private static readonly Scope SharedGlobals = CreateGlobals();

    private readonly IReadOnlyList<Stmt> _body;
    private readonly Lazy<TemplateCapabilities> _capabilities;

    // The last output length, to size the next output buffer: renders of one template are similar in size.
    private int _lastLength = 1024;

    private ChatTemplate(string source, IReadOnlyList<Stmt> body)
    {
        Source = source;
        _body = body;
        _capabilities = new Lazy<TemplateCapabilities>(() => TemplateCapabilityProbe.Probe(this));
    }

    /// <summary>What this template accepts, probed once on first use (see <see cref="TemplateCapabilityProbe"/>).</summary>
    public TemplateCapabilities Capabilities => _capabilities.Value;

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Compiles <paramref name="source"/>, or returns the cached compilation of the same text.</summary>
    /// <exception cref="TemplateException">A syntax error (<see cref="TemplateException.PythonType"/> is <c>TemplateSyntaxError</c>).</exception>
    public static ChatTemplate Compile(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Cache.TryGetValue(source, out var cached)) return cached;
        IReadOnlyList<Stmt> body;
        try
        {
            body = Parser.Parse(source);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateException("TemplateSyntaxError", "expression nested too deeply");
        }
        var compiled = new ChatTemplate(source, body);
        if (Cache.Count >= CacheLimit) Cache.Clear();
        return Cache.GetOrAdd(source, compiled);
    }

    /// <summary>
    /// The serving path: normalizes OpenAI-shaped messages for this template (<see cref="MessageNormalizer"/>, driven by
    /// <see cref="Capabilities"/>) and renders them.
    /// </summary>
    /// <exception cref="TemplateRaisedException">The template called <c>raise_exception</c>.</exception>
    /// <exception cref="TemplateException">Any other rendering error.</exception>
    public string Apply(ChatTemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Render(context with { Messages = MessageNormalizer.Normalize(context.Messages, Capabilities) });
    }

    /// <summary>Renders the template with Hugging Face's <c>apply_chat_template</c> variables, messages exactly as given.</summary>
    /// <exception cref="TemplateRaisedException">The template called <c>raise_exception</c>.</exception>
    /// <exception cref="TemplateException">Any other rendering error (undefined values used, type errors, sandbox refusals).</exception>
    public string Render(ChatTemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = JsonValues.FromJson(context.Messages),
            ["add_generation_prompt"] = context.AddGenerationPrompt,
        };
        if (context.BosToken is not null) variables["bos_token"] = context.BosToken;
        if (context.EosToken is not null) variables["eos_token"] = context.EosToken;
        if (context.Tools is not null) variables["tools"] = JsonValues.FromJson(context.Tools);
        foreach (var kv in context.ExtraVariables) variables[kv.Key] = JsonValues.FromJson(kv.Value);
        return Render(variables, context.Now ?? DateTime.Now);
    }

    private static Scope CreateGlobals()
    {
        var globals = new Scope(null);
        Globals.AddTo(globals);
        return globals;
    }

    /// <summary>Renders with arbitrary variables (already converted to template values, see <see cref="JsonValues"/>).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var context = new Scope(SharedGlobals);
        foreach (var kv in variables) context.Set(kv.Key, kv.Value);
        try
        {
            var text = new Renderer(context, now).Render(_body, _lastLength + (_lastLength / 8));
            _lastLength = text.Length;
            return text;
        }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateException("RecursionError", "maximum recursion depth exceeded");
        }
    }
}
