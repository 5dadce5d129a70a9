using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// <c>--log-requests</c> for gRPC: each call's request message and its response messages, as JSON, at Information
/// (inside the request's logging scope, so with its request id). Installed only with that flag: prompts and completions
/// are never logged otherwise.
/// </summary>
internal sealed partial class GrpcRequestLog(ILogger<GrpcRequestLog> logger) : Interceptor
{
    /// <summary>Most characters of responses kept for the log line.</summary>
    private const int ResponseLogLimit = 64 * 1024;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        LogRequest(logger, context.Method, Json(request));
        var response = await continuation(request, context).ConfigureAwait(false);
        LogResponse(logger, context.Method, Json(response));
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        LogRequest(logger, context.Method, Json(request));
        var recorder = new RecordingWriter<TResponse>(responseStream);
        try
        {
            await continuation(request, recorder, context).ConfigureAwait(false);
        }
        finally
        {
            LogResponse(logger, context.Method, recorder.Text);
        }
    }

    private static string Json(object? message) => message is IMessage m ? JsonFormatter.Default.Format(m) : message?.ToString() ?? "";

    private sealed class RecordingWriter<T>(IServerStreamWriter<T> inner) : IServerStreamWriter<T>
    {
        private readonly System.Text.StringBuilder _text = new();

        public string Text => _text.ToString();

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message)
        {
            if (_text.Length < ResponseLogLimit) _text.Append(Json(message)).Append('\n');
            return inner.WriteAsync(message);
        }

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (_text.Length < ResponseLogLimit) _text.Append(Json(message)).Append('\n');
            return inner.WriteAsync(message, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "gRPC request {Method}: {Request}")]
    private static partial void LogRequest(ILogger logger, string method, string request);

    [LoggerMessage(Level = LogLevel.Information, Message = "gRPC response {Method}: {Response}")]
    private static partial void LogResponse(ILogger logger, string method, string response);
}
