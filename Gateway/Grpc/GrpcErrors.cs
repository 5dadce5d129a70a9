using Cluster.Contracts.Requests;
using Cluster.Gateway.Apis;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Google.Rpc.Status;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// Maps the gateway's refusals to gRPC statuses with rich details: a <c>google.rpc.BadRequest</c> naming the same
/// field path REST's <c>error.param</c> names, and a <c>google.rpc.ErrorInfo</c> whose reason is REST's <c>error.code</c>.
/// </summary>
public static class GrpcErrors
{
    /// <summary>The <c>ErrorInfo.domain</c> of this API's errors.</summary>
    public const string Domain = "cluster.inference.v1";

    /// <summary>The gRPC code for a REST status (and its OpenAI error code).</summary>
    public static StatusCode CodeFor(int httpStatus) => httpStatus switch
    {
        400 or 413 or 422 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        // A stateful session busy with another request: a concurrency conflict, retry the sequence later.
        409 => StatusCode.Aborted,
        429 => StatusCode.ResourceExhausted,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        >= 500 => StatusCode.Internal,
        _ => StatusCode.FailedPrecondition,
    };

    public static RpcException ToRpcException(RequestValidationException e)
    {
        var error = e.ToResponse().Error;
        Telemetry.GatewayMetrics.RecordRejected("grpc", e.StatusCode, error.Param, error.Code);
        var status = new Status { Code = (int)CodeFor(e.StatusCode), Message = e.Message };
        if (!string.IsNullOrEmpty(error.Param))
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = error.Param, Description = e.Message } } }));
        if (error.Code is not null)
            status.Details.Add(Any.Pack(new ErrorInfo { Reason = error.Code, Domain = Domain }));
        return status.ToRpcException();
    }
}

/// <summary>Applies <see cref="GrpcErrors"/> to every call; anything unexpected is a logged INTERNAL without details.</summary>
internal sealed partial class GrpcErrorInterceptor(ILogger<GrpcErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, context) is { } rpc)
        {
            throw rpc;
        }
    }

    private RpcException? Translate(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RpcException:
                return null;
            case RequestValidationException v:
                return GrpcErrors.ToRpcException(v);
            case RequestRejectedException r:
                return GrpcErrors.ToRpcException(GrainCalls.ToValidation(r.Rejection));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                // The client cancelled or its deadline passed; gRPC reports that status itself.
                return null;
            case TimeoutException:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, "The cluster did not answer in time (a silo may have stopped)."));
            default:
                LogUnhandled(logger, context.Method, e);
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "The server failed while answering this request."));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC call {Method} failed")]
    private static partial void LogUnhandled(ILogger logger, string method, Exception e);
}
