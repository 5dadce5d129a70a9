using System.Globalization;
using Cluster.Engine.TinyModels;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>make-tiny-model</c>: writes a Hugging Face model folder with deterministic random weights (see
/// <see cref="TinyModelBuilder"/>; flags in <see cref="TinyModelCommandLine"/>), for tests, demos and benchmarks.
/// </summary>
public static class MakeTinyModelCommand
{
    /// <summary>The subcommand name.</summary>
    public const string Name = "make-tiny-model";

    /// <summary>Runs the command; returns the process exit code (0 success, 2 bad arguments).</summary>
    /// <param name="args">The arguments after the subcommand name.</param>
    /// <param name="stdout">Where the summary goes.</param>
    /// <param name="stderr">Where errors and usage go.</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        TinyModelSummary summary;
        try
        {
            summary = TinyModelBuilder.Write(TinyModelCommandLine.Parse(args));
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            stderr.WriteLine(TinyModelCommandLine.Usage);
            return 2;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {summary.Config.ModelType} model to {summary.Directory}: {summary.ParameterCount:N0} parameters, vocab {summary.Config.VocabSize}, {summary.WeightFiles.Count} weight file(s)."));
        return 0;
    }
}
