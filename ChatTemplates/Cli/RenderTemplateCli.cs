using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.ChatTemplates.Probing;

namespace Cluster.ChatTemplates.Cli;

/// <summary>
/// <c>render-template --template FILE [--now 2026-01-15T12:00:00] [--capabilities]</c>: renders the JSON request on stdin
/// (<c>messages</c>, optional <c>tools</c>, <c>add_generation_prompt</c> defaulting to true, <c>bos_token</c> defaulting to
/// <c>&lt;s&gt;</c>, <c>eos_token</c> to <c>&lt;/s&gt;</c>, any other variables) and writes the text to stdout unchanged:
/// no newline is added. With <c>--capabilities</c> it prints the template's probed capabilities as JSON instead.
/// </summary>
public static class RenderTemplateCli
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code for bad arguments or unreadable input.</summary>
    public const int UsageError = 1;

    /// <summary>Exit code for a template that failed to compile or render (including <c>raise_exception</c>).</summary>
    public const int TemplateError = 2;

    /// <summary>The usage text.</summary>
    public const string Usage = "Usage: render-template --template FILE [--now 2026-01-15T12:00:00] [--capabilities]  (request JSON on stdin)";

    private static readonly JsonSerializerOptions CapabilitiesJson = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Runs the command; returns the process exit code.</summary>
    /// <param name="args">Arguments after the command name.</param>
    /// <param name="stdin">The request JSON.</param>
    /// <param name="stdout">Receives the rendered text, exactly (use a UTF-8 writer without BOM for byte-exact output).</param>
    /// <param name="stderr">Receives errors: the template's own message for <c>raise_exception</c>, <c>Type: message</c> otherwise.</param>
    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        string? templatePath = null;
        DateTime? now = null;
        var capabilities = false;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitOption(args[i]);
            switch (name)
            {
                case "--capabilities":
                    capabilities = true;
                    break;
                case "--template" or "--now":
                    var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
                    if (value is null) return Fail(stderr, $"option '{name}' needs a value");
                    if (name == "--template") templatePath = value;
                    else if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) now = parsed;
                    else return Fail(stderr, $"--now: cannot parse '{value}' as a date and time (e.g. 2026-01-15T12:00:00)");
                    break;
                case "--help" or "-h":
                    stdout.Write(Usage + "\n");
                    return Success;
                default:
                    return Fail(stderr, $"unknown option '{name}'");
            }
        }
        if (templatePath is null) return Fail(stderr, "--template FILE is required");

        string source;
        try
        {
            source = File.ReadAllText(templatePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, $"cannot read template: {e.Message}");
        }

        try
        {
            var template = ChatTemplate.Compile(source);
            if (capabilities)
            {
                stdout.Write(JsonSerializer.Serialize(template.Capabilities, CapabilitiesJson) + "\n");
                return Success;
            }
            ChatTemplateContext context;
            try
            {
                context = ReadRequest(stdin.ReadToEnd(), now);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                return Fail(stderr, $"invalid request JSON: {e.Message}");
            }
            stdout.Write(template.Render(context));
            stdout.Flush();
            return Success;
        }
        catch (TemplateRaisedException e)
        {
            stderr.Write(e.Message + "\n");
            return TemplateError;
        }
        catch (TemplateException e)
        {
            stderr.Write(e.Describe() + "\n");
            return TemplateError;
        }
    }

    private static (string Name, string? Value) SplitOption(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 && arg.StartsWith("--", StringComparison.Ordinal) ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.Write(message + "\n" + Usage + "\n");
        return UsageError;
    }

    /// <summary>Reads the request object: known keys map to <see cref="ChatTemplateContext"/>, the rest become variables.</summary>
    public static ChatTemplateContext ReadRequest(string json, DateTime? now)
    {
        var request = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the request must be a JSON object");
        var messages = request["messages"] as JsonArray ?? throw new FormatException("'messages' must be an array");
        var extra = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var kv in request)
        {
            if (kv.Key is "messages" or "tools" or "add_generation_prompt" or "bos_token" or "eos_token") continue;
            extra[kv.Key] = kv.Value?.DeepClone();
        }
        return new ChatTemplateContext
        {
            Messages = (JsonArray)messages.DeepClone(),
            Tools = request["tools"] is JsonArray tools ? (JsonArray)tools.DeepClone() : null,
            AddGenerationPrompt = request["add_generation_prompt"] is JsonNode add ? add.GetValue<bool>() : true,
            BosToken = request.TryGetPropertyValue("bos_token", out var bos) ? (string?)bos : "<s>",
            EosToken = request.TryGetPropertyValue("eos_token", out var eos) ? (string?)eos : "</s>",
            ExtraVariables = extra,
            Now = now,
        };
    }
}
