using Cluster.Contracts.Requests;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Maps failures that cross the grain boundary to OpenAI errors. A grain refuses a request only with a
/// <see cref="RequestRejectedException"/>; anything else is the server's fault (a logged 500).
/// </summary>
internal static class GrainCalls
{
    public static async Task<T> MapErrors<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestRejectedException e)
        {
            throw ToValidation(e.Rejection);
        }
        catch (OrleansMessageRejectionException)
        {
            throw new RequestValidationException(503, SiloLost.Message, null, SiloLost.Code, SiloLost.Type);
        }
    }

    /// <summary>The silo holding the request's session stopped (or was unreachable) while the request ran.</summary>
    private static readonly OpenAIError SiloLost = new("The silo running this request stopped; retry the request.", "server_error", null, "replica_lost");

    public static RequestValidationException ToValidation(RequestRejection r) =>
        new(r.Status, r.Message, r.Param, r.Code, r.Status >= 500 ? "server_error" : "invalid_request_error");

    /// <summary>The single result of a one-item grain stream (see <c>ISessionGrain.CreateChatCompletionAsync</c>).</summary>
    public static Task<T> Single<T>(IAsyncEnumerable<T> stream) => MapErrors(async () =>
    {
        await foreach (var item in stream.ConfigureAwait(false)) return item;
        throw new InvalidOperationException("The grain ended its result stream without a result.");
    });

    /// <summary>The error event for a failure after a stream started.</summary>
    public static OpenAIError Describe(Exception e) => e switch
    {
        RequestRejectedException r => ToValidation(r.Rejection).ToResponse().Error,
        RequestValidationException v => v.ToResponse().Error,
        OrleansMessageRejectionException => SiloLost,
        TimeoutException => new OpenAIError("The cluster did not answer in time (a silo may have stopped).", "server_error", null, "timeout"),
        _ => new OpenAIError("The server failed while generating this response.", "server_error", null, null),
    };
}
