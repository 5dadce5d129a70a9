using System.Globalization;
using Cluster.Training;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>train-demo-model [--output DIR] [--steps N] [--seed N] [--batch-size N] [--learning-rate X] [--resume]</c>: trains the <c>demo</c> model
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
                if (flag == "--resume")
                {
                    options = options with { Resume = true };
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
                    "--learning-rate" => options with { LearningRate = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && lr > 0 ? lr : throw new ArgumentException($"{flag} needs a positive number") },
                    _ => throw new ArgumentException($"unknown flag {flag}"),
                };
            }
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            stderr.WriteLine($"usage: {Name} [--output DIR] [--steps N (default {defaults.Steps})] [--seed N (default {defaults.Seed})] [--batch-size N (default {defaults.BatchSize})] [--copy-warmup-steps N (default {defaults.CopyWarmupSteps})] [--learning-rate X (default {defaults.LearningRate})] [--resume]");
            return 2;
        }
        DemoModelTrainer.Train(options, stdout);
        return 0;
    }
}
