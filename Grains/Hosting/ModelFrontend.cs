using Cluster.Engine.ModelFiles;

namespace Cluster.Grains.Hosting;

/// <summary>
/// What sessions need of a model, without its weights: the files (tokenizer, configs), the compiled chat templates
/// and output parsers, the context length, and the vocabulary as constrained decoding sees it. Every silo that hosts
/// a session for a model has one: the replica's own where the silo runs the model, else one built from the files a
/// replica ships (<see cref="ModelFrontends"/>).
/// </summary>
public sealed class ModelFrontend(string name, ModelFolder folder, ModelPromptFormat format, int maxModelLength, long created)
{
    public string Name { get; } = name;

    public ModelFolder Folder { get; } = folder;

    /// <summary>How prompts are rendered and outputs parsed.</summary>
    public ModelPromptFormat Format { get; } = format;

    /// <summary>Prompt plus completion tokens one sequence may hold on the model's replicas.</summary>
    public int MaxModelLength { get; } = maxModelLength;

    public long Created { get; } = created;

    /// <summary>The vocabulary as constrained decoding sees it, built on first use.</summary>
    public Cluster.Constraints.TokenVocabulary ConstraintVocabulary => _vocabulary.Value;

    private readonly Lazy<Cluster.Constraints.TokenVocabulary> _vocabulary = new(() =>
        Cluster.Engine.Tokenization.ConstraintVocabulary.Create(folder.Tokenizer, Sessions.ChatPrompt.EndOfSequenceIds(folder)));
}
