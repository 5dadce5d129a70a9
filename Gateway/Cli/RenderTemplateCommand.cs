using Cluster.ChatTemplates.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>render-template</c>: renders a chat template for the JSON request on stdin, or prints its probed capabilities
/// (see <see cref="RenderTemplateCli"/> for the options and exit codes).
/// </summary>
public static class RenderTemplateCommand
{
    /// <summary>The subcommand name.</summary>
    public const string Name = "render-template";

    /// <summary>Runs the command; returns the process exit code (0 success, 1 bad arguments, 2 template error).</summary>
    /// <param name="args">The arguments after the subcommand name.</param>
    /// <param name="stdin">The request JSON.</param>
    /// <param name="stdout">Receives the rendered text, byte for byte (no newline added).</param>
    /// <param name="stderr">Receives error messages.</param>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RenderTemplateCli.Run(args, stdin, stdout, stderr);
}
