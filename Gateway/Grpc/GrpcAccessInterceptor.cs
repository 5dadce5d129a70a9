using Cluster.Gateway.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// Answers a call that <see cref="ApiAccess"/> refused with the gRPC status of the REST refusal: <c>UNAUTHENTICATED</c>
/// for a missing or wrong key, <c>RESOURCE_EXHAUSTED</c> for a spent rate limit, with a <c>google.rpc.ErrorInfo</c>
/// whose reason is REST's error code (<c>invalid_api_key</c>, <c>rate_limit_exceeded</c>). Every kind of method,
/// reflection's bidirectional stream included.
/// </summary>
internal sealed class GrpcAccessInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(requestStream, responseStream, context);
    }

    private static void Admit(ServerCallContext context)
    {
        if (context.GetHttpContext().Features.Get<ApiRefusal>() is { } refusal) throw GrpcErrors.ToRpcException(refusal.ToException());
    }
}
