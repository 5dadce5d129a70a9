using Cluster.Parsers.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>parse-tool-calls</c>: parses model output on stdin with a tool-call parser and prints the calls as JSON
/// (see <see cref="ParseToolCallsCli"/> for the options and exit codes).
/// </summary>
public static class ParseToolCallsCommand
{
    /// <summary>The subcommand name.</summary>
    public const string Name = "parse-tool-calls";

    /// <summary>Runs the command; returns the process exit code (0 parsed, 1 bad arguments, 2 unreadable file or invalid spec).</summary>
    /// <param name="args">The arguments after the subcommand name.</param>
    /// <param name="stdin">The model output.</param>
    /// <param name="stdout">Receives the JSON report.</param>
    /// <param name="stderr">Receives error messages.</param>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        ParseToolCallsCli.Run(args, stdin, stdout, stderr);
}
