using Cluster.Contracts.OpenAI;
using Cluster.Engine.Tokenization;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>A rendered, tokenized prompt and the token ids that end its completion.</summary>
public sealed record ChatPrompt(string Text, int[] TokenIds, int[] StopTokenIds)
{
    /// <summary>How many of <see cref="TokenIds"/> a session's <see cref="PromptTokenMemo"/> supplied instead of the tokenizer.</summary>
    public int ReusedTokenCount { get; init; }

    /// <param name="memo">A stateful session's memory of its previous prompt; null tokenizes everything.</param>
    internal static ChatPrompt Build(ModelFrontend model, ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages, PromptTokenMemo? memo = null)
    {
        var rendered = PromptRenderer.Render(model, request, messages);
        var tokenizer = model.Folder.Tokenizer;
        var pieces = PromptPiece.Split(rendered.Text, rendered.UntrustedTexts, tokenizer);
        int reused = 0;
        var ids = memo is null ? Tokenize(tokenizer, pieces) : memo.Tokenize(tokenizer, pieces, out reused);
        return new ChatPrompt(rendered.Text, ids.ToArray(), EndOfSequenceIds(model)) { ReusedTokenCount = reused };
    }

    /// <summary>Every id the model's files call end-of-sequence: tokenizer, config.json and generation_config.json.</summary>
    public static int[] EndOfSequenceIds(ModelFrontend model) => EndOfSequenceIds(model.Folder);

    /// <inheritdoc cref="EndOfSequenceIds(ModelFrontend)"/>
    public static int[] EndOfSequenceIds(Engine.ModelFiles.ModelFolder folder)
    {
        var stop = new HashSet<int>(folder.Tokenizer.EosTokenIds);
        stop.UnionWith(folder.Config.EosTokenIds);
        if (folder.GenerationConfig.EosTokenIds is { } generationEos) stop.UnionWith(generationEos);
        return stop.ToArray();
    }

    /// <summary>Tokenizes every piece (see <see cref="PromptPiece.Split"/> for why a prompt is tokenized in pieces).</summary>
    private static List<int> Tokenize(HfTokenizer tokenizer, List<PromptPiece> pieces)
    {
        var ids = new List<int>();
        foreach (var piece in pieces) ids.AddRange(tokenizer.Encode(piece.Text, piece.AllowSpecialTokens, piece.StartsText));
        return ids;
    }
}
