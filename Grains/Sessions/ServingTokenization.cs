using Cluster.Contracts.Requests;
using Cluster.Contracts.Sessions;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>
/// vLLM's <c>/tokenize</c> and <c>/detokenize</c> on a model's frontend. Prompts are tokenized by the completion
/// endpoints' own code (<see cref="CompletionTurn.Tokenize"/>, <see cref="ChatPrompt.Build"/>), so the ids match
/// the <c>prompt_token_ids</c> those endpoints report.
/// </summary>
internal static class ServingTokenization
{
    public static TokenizeResult Tokenize(ModelFrontend model, TokenizeRequest request)
    {
        int[] ids = request.Chat is { } chat
            ? ChatPrompt.Build(model, chat, chat.Messages).TokenIds
            : CompletionTurn.Tokenize(model, request.Prompt ?? throw RequestRejection.Invalid("prompt", "Missing required parameter: 'prompt' (or 'messages').").ToException(), request.AddSpecialTokens);
        var tokenizer = model.Folder.Tokenizer;
        return new TokenizeResult(ids, model.MaxModelLength, request.ReturnTokenStrs ? Array.ConvertAll(ids, tokenizer.IdToToken) : null);
    }

    public static DetokenizeResult Detokenize(ModelFrontend model, DetokenizeRequest request)
    {
        int vocabulary = model.Folder.Config.VocabSize;
        foreach (int id in request.Tokens)
            if (id < 0 || id >= vocabulary)
                throw RequestRejection.Invalid("tokens", $"Token id {id} is out of range for this model's vocabulary of {vocabulary}.").ToException();
        var tokenizer = model.Folder.Tokenizer;
        // Ids the model has but the tokenizer does not (a padded embedding) decode to nothing, as in Hugging Face.
        return new DetokenizeResult(tokenizer.Decode(request.Tokens.Where(id => id < tokenizer.VocabSize), skipSpecialTokens: false));
    }
}
