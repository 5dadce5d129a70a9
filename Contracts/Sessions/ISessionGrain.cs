using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Sessions;

/// <summary>
/// One conversation. Renders the prompt with the model's chat template, runs generation on a model grain, and
/// turns tokens into OpenAI chunks (text deltas, tool-call deltas from the incremental parser). Key: a session
/// id; stateless requests use a fresh one under <see cref="EphemeralPrefix"/>. A stateful session prepends its
/// stored history to each request's messages, tracks pending tool calls, and runs one request at a time.
/// </summary>
[Alias("cluster.session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Keys of sessions that keep no state.</summary>
    public const string EphemeralPrefix = "ephemeral/";

    /// <summary>Streams <c>chat.completion.chunk</c>s: the role first, then deltas, then the finish reason
    /// (and a usage chunk when requested).</summary>
    [Alias("stream-chat")]
    IAsyncEnumerable<ChatCompletionChunk> StreamChatCompletionAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the request to the end and yields one <c>chat.completion</c>. A stream of one item rather than a plain call:
    /// a long generation outlasts any response timeout, while a pending stream pull is kept alive by heartbeats.
    /// </summary>
    [Alias("complete-chat")]
    IAsyncEnumerable<ChatCompletion> CreateChatCompletionAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a Responses API request: the typed event sequence when <see cref="Responses.ResponseRequest.Stream"/>, else
    /// only the terminal event; a stored response is kept by this grain (keyed by <see cref="Responses.StoredResponse.SessionKey"/>).
    /// </summary>
    [Alias("respond")]
    IAsyncEnumerable<Responses.ResponseStreamEvent> RespondAsync(Responses.ResponseRequest request, CancellationToken cancellationToken = default);

    /// <summary>The stored response this grain keeps; a 404 naming <paramref name="param"/> when there is none (or it is
    /// another API key's).</summary>
    [Alias("stored-response")]
    Task<Responses.StoredResponse> GetStoredResponseAsync(string param);

    /// <summary>The stored conversation of a stateful session.</summary>
    [Alias("snapshot")]
    Task<SessionSnapshot> GetSnapshotAsync();

    /// <summary>Forgets the conversation.</summary>
    [Alias("clear")]
    Task ClearAsync();

    /// <summary>Streams <c>text_completion</c> chunks for a (batch of) raw prompt(s).</summary>
    [Alias("stream-completion")]
    IAsyncEnumerable<Completion> StreamCompletionAsync(CompletionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs a (batch of) raw prompt(s) to the end and yields one <c>text_completion</c> (a stream of one, as above).</summary>
    [Alias("complete")]
    IAsyncEnumerable<Completion> CreateCompletionAsync(CompletionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Tokenizes a text prompt or a chat request as the completion endpoints would (vLLM's <c>/tokenize</c>).
    /// Plain call: nothing is generated. Refusals are <see cref="Requests.RequestRejectedException"/>s.</summary>
    [Alias("tokenize")]
    Task<TokenizeResult> TokenizeAsync(TokenizeRequest request);

    /// <summary>Decodes token ids to text (vLLM's <c>/detokenize</c>); an id outside the vocabulary is a 400 naming <c>tokens</c>.</summary>
    [Alias("detokenize")]
    Task<DetokenizeResult> DetokenizeAsync(DetokenizeRequest request);
}
