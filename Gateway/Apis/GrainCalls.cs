using Cluster.Contracts.Requests;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Hosting;

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
        catch (Exception e) when (IsSiloLoss(e))
        {
            throw SiloLostRefusal();
        }
    }

    /// <summary>Orleans' ways of saying the silo holding the session (or the gateway silo on the way) went away.</summary>
    private static bool IsSiloLoss(Exception e) => e is OrleansMessageRejectionException or EnumerationAbortedException or Orleans.Runtime.Messaging.ConnectionFailedException;

    public static RequestValidationException SiloLostRefusal() => new(503, SiloLost.Message, null, SiloLost.Code, SiloLost.Type);

    /// <summary>The silo holding the request's session stopped (or was unreachable) while the request ran.</summary>
    private static readonly OpenAIError SiloLost = new("The silo running this request stopped; retry the request.", "server_error", null, "replica_lost");

    public static RequestValidationException ToValidation(RequestRejection r) =>
        new(r.Status, r.Message, r.Param, r.Code, r.Status >= 500 ? "server_error" : "invalid_request_error");

    /// <summary>
    /// The result of a session's one-result stream (see <c>ISessionGrain.CreateChatCompletionAsync</c>): after the header,
    /// which names the session's silo, the request ends at once with a 503 if that silo leaves the cluster.
    /// </summary>
    public static async Task<T> Single<T>(SessionCall<T> call, CancellationToken cancellationToken) where T : ISessionChunk
    {
        var (stream, cancel, host) = await call.OpenAsync(cancellationToken).ConfigureAwait(false);
        var hostGone = call.Silos.WhenGone(host);
        try
        {
            using var onGone = hostGone.Register(cancel.Cancel);
            return await MapErrors(async () => await stream.MoveNextAsync().ConfigureAwait(false)
                ? stream.Current
                : throw new InvalidOperationException("The grain ended its result stream without a result.")).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (hostGone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw SiloLostRefusal();
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            cancel.Dispose();
        }
    }

    /// <summary>The error event for a failure after a stream started.</summary>
    public static OpenAIError Describe(Exception e) => e switch
    {
        RequestRejectedException r => ToValidation(r.Rejection).ToResponse().Error,
        RequestValidationException v => v.ToResponse().Error,
        _ when IsSiloLoss(e) => SiloLost,
        TimeoutException => new OpenAIError("The cluster did not answer in time (a silo may have stopped).", "server_error", null, "timeout"),
        _ => new OpenAIError("The server failed while generating this response.", "server_error", null, null),
    };
}
