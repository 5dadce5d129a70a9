using Cluster.Contracts.Sessions;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Maps failures that cross the grain boundary to OpenAI errors. Grains signal a bad request with
/// <see cref="ArgumentException"/> (its ParamName is the field); anything else is the server's fault.
/// </summary>
internal static class GrainCalls
{
    public static async Task<T> MapErrors<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new RequestValidationException(400, StripParamSuffix(e), e.ParamName);
        }
        catch (SessionBusyException e)
        {
            throw new RequestValidationException(409, e.Message, null, "session_busy");
        }
    }

    /// <summary>The single result of a one-item grain stream (see <c>ISessionGrain.CreateChatCompletionAsync</c>).</summary>
    public static Task<T> Single<T>(IAsyncEnumerable<T> stream) => MapErrors(async () =>
    {
        await foreach (var item in stream.ConfigureAwait(false)) return item;
        throw new InvalidOperationException("The grain ended its result stream without a result.");
    });

    public static OpenAIError Describe(Exception e) => e switch
    {
        ArgumentException a => new OpenAIError(StripParamSuffix(a), "invalid_request_error", a.ParamName, null),
        SessionBusyException => new OpenAIError(e.Message, "invalid_request_error", null, "session_busy"),
        TimeoutException => new OpenAIError("The cluster did not answer in time (a silo may have stopped).", "server_error", null, "timeout"),
        _ => new OpenAIError("The server failed while generating this response.", "server_error", null, null),
    };

    private static string StripParamSuffix(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
