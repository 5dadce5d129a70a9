using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.ChatTemplates;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.TinyModels;
using TorchSharp;
using static TorchSharp.torch;

namespace Cluster.Training;

/// <summary>What <see cref="DemoModelTrainer"/> trains and for how long.</summary>
public sealed record DemoTrainingOptions
{
    public required string OutputDirectory { get; init; }

    /// <summary>Seeds the data, the initial weights and the batch order. The default is the committed checkpoint's:
    /// seeds of one recipe differ by up to 20 points on a held-out kind (the README's demo section).</summary>
    public int Seed { get; init; } = 2;

    /// <summary>Optimizer steps (each <see cref="BatchSize"/> conversations).</summary>
    public int Steps { get; init; } = 3200;

    public int BatchSize { get; init; } = 8;

    public double LearningRate { get; init; } = 3e-3;

    public int HiddenSize { get; init; } = 192;

    public int IntermediateSize { get; init; } = 512;

    public int Layers { get; init; } = 4;

    public int Heads { get; init; } = 6;

    /// <summary>
    /// Steps of repeat drills only before the mixed data (counted in <see cref="Steps"/>): they tune the
    /// <see cref="CopyingCircuit"/> the model starts with (the repeat's loss falls from 6.7 to 0.6 in 80 such steps)
    /// before conversations need it.
    /// </summary>
    public int CopyWarmupSteps { get; init; } = 150;

    /// <summary>Start from the checkpoint already in <see cref="OutputDirectory"/> (a continued run) instead of random weights.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Train with <see cref="DemoModelTrainer.Vocabulary"/>'s tokenizer (words apart from the space before them)
    /// instead of the tiny models' Qwen2-style one. Not the default: it made copying a value's later pieces harder
    /// (the README's runs i and j).
    /// </summary>
    public bool SeparateWords { get; init; }

    /// <summary>
    /// Name half the generated training tools with invented words (<see cref="DemoData"/>). Not the default: the
    /// names came right, but the arguments did worse (the README's runs j and k).
    /// </summary>
    public bool InventedToolNames { get; init; }

    /// <summary>Longest training sequence, in tokens; longer conversations are skipped.</summary>
    public int MaxSequenceLength { get; init; } = 1024;
}

/// <summary>
/// Trains the <c>demo</c> model: the engine's own decoder (a Qwen2 checkpoint, written first by
/// <see cref="TinyModelBuilder"/> with the project's byte-level BPE tokenizer and Qwen2.5 chat template) on synthetic
/// tool-use conversations (<see cref="DemoData"/>) with AdamW, the loss on assistant replies only. The training forward
/// pass is written here over the checkpoint's own tensor names, so what is saved is what the engine loads.
/// </summary>
public static class DemoModelTrainer
{
    public static TinyModelSummary Train(DemoTrainingOptions options, TextWriter log)
    {
        torch.manual_seed(options.Seed);
        var resumed = options.Resume ? ReadCheckpoint(options.OutputDirectory) : null;
        var summary = TinyModelBuilder.Write(new TinyModelOptions
        {
            Vocabulary = options.SeparateWords ? Vocabulary(options.Seed, options.InventedToolNames) : TinyModelVocabulary.Default,
            OutputDirectory = options.OutputDirectory,
            Architecture = TinyModelArchitecture.Qwen2,
            Seed = options.Seed,
            HiddenSize = options.HiddenSize,
            IntermediateSize = options.IntermediateSize,
            NumHiddenLayers = options.Layers,
            NumAttentionHeads = options.Heads,
            NumKeyValueHeads = options.Heads,
            MaxPositionEmbeddings = 4096,
        });
        var config = summary.Config;
        var folder = ModelFolder.Load(summary.Directory, withWeights: false);
        var template = ChatTemplate.Compile(folder.ToolUseChatTemplate ?? throw new InvalidOperationException("The model has no chat template."));
        var tokenizer = folder.Tokenizer;

        var layout = DecoderCheckpointLayout.For(config);
        var weights = InitialWeights(config, new Generator((ulong)options.Seed), resumed);
        var decoder = new TrainingDecoder(config, weights, options.MaxSequenceLength);
        var optimizer = optim.AdamW(weights.Values, lr: options.LearningRate, weight_decay: 0.01);

        var batches = new DemoBatches(new DemoData(options.Seed, heldOut: false, options.InventedToolNames), template, tokenizer, options.BatchSize, options.MaxSequenceLength, options.Seed);
        var clock = Stopwatch.StartNew();
        // Drill and conversation batches are smoothed apart: a falling drill loss shows copying being learned.
        double smoothedConversations = double.NaN, smoothedDrills = double.NaN;
        for (int step = 1; step <= options.Steps; step++)
        {
            // Linear warm-up, then cosine decay to a tenth.
            double progress = (double)step / options.Steps;
            double lr = step <= 30 ? options.LearningRate * step / 30 : options.LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            var batch = step <= options.CopyWarmupSteps && !options.Resume ? batches.NextRepeatDrills() : batches.Next();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = decoder.Loss(batch);
            loss.backward();
            nn.utils.clip_grad_norm_(weights.Values, 1.0);
            optimizer.step();
            double value = loss.item<float>();
            bool drills = batch.Count(b => b.IsDrill) * 2 > batch.Count;
            ref double smoothed = ref drills ? ref smoothedDrills : ref smoothedConversations;
            smoothed = double.IsNaN(smoothed) ? value : 0.9 * smoothed + 0.1 * value;
            if (step % 20 == 0 || step == 1)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step}/{options.Steps}  loss {value:0.000} (avg: conversations {smoothedConversations:0.000}, drills {smoothedDrills:0.000})  lr {lr:0.00000}  {clock.Elapsed.TotalMinutes:0.0} min  ~{batch.Average(b => b.TokenIds.Length):0} tokens/seq"));
        }

        var writer = new SafetensorsWriter();
        foreach (var (name, shape) in layout)
            writer.Add(name, SafetensorsDType.F32, shape, weights[name].detach().contiguous().data<float>().ToArray());
        writer.Write(Path.Combine(summary.Directory, ModelWeights.SingleFileName));
        // The demo answers greedily unless a request asks otherwise: the same question gets the same tool call.
        string generationConfig = Path.Combine(summary.Directory, "generation_config.json");
        var defaults = JsonNode.Parse(File.ReadAllText(generationConfig))!.AsObject();
        defaults["do_sample"] = false;
        defaults["temperature"] = 0.0;
        File.WriteAllText(generationConfig, defaults.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {summary.ParameterCount:N0} parameters{(resumed is null ? "" : " (continued)")} for {options.Steps} steps in {clock.Elapsed.TotalMinutes:0.0} min; wrote {summary.Directory}"));
        return summary;
    }

    /// <summary>Conversations of the training data the tokenizer's merges are also learned from.</summary>
    private const int VocabularyConversations = 300;

    /// <summary>Merges learned: enough for the data's frequent words and JSON keys to get tokens of their own.</summary>
    private const int VocabularyMerges = 2000;

    /// <summary>
    /// The tokenizer of <see cref="DemoTrainingOptions.SeparateWords"/> runs: words apart from the space or mark before
    /// them (<see cref="TinyModelVocabulary.SeparateWordsPattern"/>), so a value copied from a request into a call's
    /// arguments, or a request's word matched against a tool's name, is the same tokens in both places; merges learned
    /// from the embedded corpus plus training conversations (never held-out material), so the data's words
    /// ("weather", "reserve", "hotel") are single tokens.
    /// </summary>
    internal static TinyModelVocabulary Vocabulary(int seed, bool inventedToolNames = false)
    {
        var template = ChatTemplate.Compile(TinyModelBuilder.ChatTemplate(TinyModelArchitecture.Qwen2));
        // A data stream of its own, so the vocabulary does not shift the training batches a seed gives.
        var data = new DemoData(seed + 1_000_003, heldOut: false, inventedToolNames);
        var corpus = new System.Text.StringBuilder();
        // The chat markers are added tokens, never merged: learning merges for their text would waste them.
        for (int i = 0; i < VocabularyConversations; i++)
            corpus.Append('\n').Append(DemoExample.Text(data.NextTraining(), template).Replace("<|im_start|>", "\n").Replace("<|im_end|>", "\n"));
        return new TinyModelVocabulary(TinyModelVocabulary.SeparateWordsPattern, corpus.ToString(), VocabularyMerges);
    }

    /// <summary>
    /// The parameters training starts from: <paramref name="resumed"/>'s values, or new ones (norms one, biases zero,
    /// the rest normal with the checkpoints' initializer range) with the <see cref="CopyingCircuit"/> set in unless
    /// <paramref name="copyingCircuit"/> is false (to compare).
    /// </summary>
    internal static Dictionary<string, TorchSharp.Modules.Parameter> InitialWeights(ModelConfig config, Generator generator,
        IReadOnlyDictionary<string, float[]>? resumed = null, bool copyingCircuit = true)
    {
        var weights = new Dictionary<string, TorchSharp.Modules.Parameter>(StringComparer.Ordinal);
        foreach (var (name, shape) in DecoderCheckpointLayout.For(config))
        {
            var value = resumed is not null ? tensor(resumed[name], shape)
                : DecoderCheckpointLayout.IsNormWeight(name) ? ones(shape)
                : name.EndsWith(".bias", StringComparison.Ordinal) ? zeros(shape)
                : normal(0, TinyModelBuilder.InitializerRange, shape, generator: generator);
            weights[name] = new TorchSharp.Modules.Parameter(value, requires_grad: true);
        }
        if (resumed is null && copyingCircuit) CopyingCircuit.Install(weights, config, generator);
        return weights;
    }

    /// <summary>The fp32 tensors of the checkpoint in <paramref name="directory"/>, copied out before the folder is rewritten.</summary>
    private static Dictionary<string, float[]> ReadCheckpoint(string directory)
    {
        using var folder = ModelFolder.Load(directory);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, _) in DecoderCheckpointLayout.For(folder.Config))
        {
            if (!folder.Weights.TryGetTensor(name, out var info, out var file) || info.DType != SafetensorsDType.F32)
                throw new InvalidDataException($"{directory} has no fp32 tensor '{name}' to continue from.");
            tensors[name] = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetBytes(name)).ToArray();
        }
        return tensors;
    }
}
