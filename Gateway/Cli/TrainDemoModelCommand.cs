using System.Globalization;
using Cluster.Training;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>train-demo-model [--output DIR] [--steps N] [--seed N] [--batch-size N] [--learning-rate X] [--hidden-size N] [--intermediate-size N] [--layers N] [--heads N] [--separate-words] [--invented-tool-names] [--resume]</c>: trains the <c>demo</c> model
/// (see <see cref="DemoModelTrainer"/>) into DIR (default <c>models/demo</c>). Seeded: the same flags give the same data
/// and initial weights.
/// </summary>
public static class TrainDemoModelCommand
{
    public const string Name = "train-demo-model";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var defaults = new DemoTrainingOptions { OutputDirectory = Path.Combine("models", "demo") };
        DemoTrainingOptions options;
        try
        {
            options = defaults;
            for (int i = 0; i < args.Length; i++)
            {
                string flag = args[i];
                // Switches take no value.
                var switched = flag switch
                {
                    "--resume" => options with { Resume = true },
                    "--separate-words" => options with { SeparateWords = true },
                    "--invented-tool-names" => options with { InventedToolNames = true },
                    _ => null,
                };
                if (switched is not null)
                {
                    options = switched;
                    continue;
                }
                string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value");
                int Number(int least = 1) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= least ? n
                    : throw new ArgumentException($"{flag} needs {(least > 0 ? "a positive" : "a non-negative")} integer, not '{value}'");
                options = flag switch
                {
                    "--output" => options with { OutputDirectory = value },
                    "--steps" => options with { Steps = Number() },
                    "--seed" => options with { Seed = Number() },
                    "--copy-warmup-steps" => options with { CopyWarmupSteps = Number(least: 0) },
                    "--batch-size" => options with { BatchSize = Number() },
                    // The model's shape, for runs with more compute than the default's 30 minutes of 2 cores.
                    "--hidden-size" => options with { HiddenSize = Number() },
                    "--intermediate-size" => options with { IntermediateSize = Number() },
                    "--layers" => options with { Layers = Number() },
                    "--heads" => options with { Heads = Number() },
                    "--learning-rate" => options with { LearningRate = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && lr > 0 ? lr : throw new ArgumentException($"{flag} needs a positive number") },
                    _ => throw new ArgumentException($"unknown flag {flag}"),
                };
            }
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            stderr.WriteLine($"usage: {Name} [--output DIR] [--steps N (default {defaults.Steps})] [--seed N (default {defaults.Seed})] [--batch-size N (default {defaults.BatchSize})] [--copy-warmup-steps N (default {defaults.CopyWarmupSteps})] [--hidden-size N (default {defaults.HiddenSize})] [--intermediate-size N (default {defaults.IntermediateSize})] [--layers N (default {defaults.Layers})] [--heads N (default {defaults.Heads})] [--learning-rate X (default {defaults.LearningRate})] [--separate-words] [--invented-tool-names] [--resume]");
            return 2;
        }
        try
        {
            DemoModelTrainer.Train(options, stdout);
        }
        catch (ArgumentException e)
        {
            // A shape the checkpoint writer (TinyModelOptions.Validate: sizes that do not divide) or the copying circuit
            // (too few layers, heads too narrow) refuses: the flags' fault, reported before any training step.
            stderr.WriteLine(e.Message);
            return 2;
        }
        return 0;
    }
}
