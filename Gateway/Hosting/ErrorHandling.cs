using Cluster.Gateway.Apis;
using Cluster.Gateway.Serialization;
using Cluster.Gateway.Telemetry;
using Microsoft.AspNetCore.WebUtilities;

namespace Cluster.Gateway.Hosting;

/// <summary>
/// Gives every error status the server produces OpenAI's body <c>{"error": {"message", "type", "param", "code"}}</c>:
/// refusals (<see cref="RequestValidationException"/>), bodies Kestrel could not read, statuses routing sets without
/// a body (404 for an unknown URL, 405 for a wrong method), and anything unexpected as a 500 that is logged with
/// its exception.
/// </summary>
public static partial class ErrorHandling
{
    public static IApplicationBuilder UseOpenAIErrors(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
            if (http.Response.StatusCode >= 400 && !http.Response.HasStarted)
            {
                if (http.Response.StatusCode >= 500)
                    LogBodilessServerError(Logger(http), http.Response.StatusCode, http.Request.Method, http.Request.Path.Value ?? "");
                await Write(http, http.Response.StatusCode, new OpenAIErrorResponse(ForStatus(http, http.Response.StatusCode)));
            }
        }
        catch (RequestValidationException e) when (!http.Response.HasStarted)
        {
            await Write(http, e.StatusCode, e.ToResponse());
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted && e.StatusCode < 500)
        {
            // Kestrel could not read the request (RequestBody maps the cases it meets); the client's fault, not ours.
            await Write(http, e.StatusCode, new OpenAIErrorResponse(ForStatus(http, e.StatusCode)));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            LogUnhandled(Logger(http), e);
            // Refusals are mapped where grains are called; what arrives here is the server's fault, whatever its type.
            var described = GrainCalls.Describe(e);
            await Write(http, 500, new OpenAIErrorResponse(described.Type == "server_error" ? described : ForStatus(http, 500)));
        }
    });

    /// <summary>OpenAI's wording where it has one (<c>Invalid URL (POST /v1/responses)</c>); the reason phrase otherwise.</summary>
    private static OpenAIError ForStatus(HttpContext http, int status)
    {
        string request = $"{http.Request.Method} {http.Request.PathBase}{http.Request.Path}";
        string allowed = http.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? allow : "other methods";
        return status switch
        {
            404 => new OpenAIError($"Invalid URL ({request})", "invalid_request_error", null, "unknown_url"),
            405 => new OpenAIError($"Invalid method ({request}); this URL accepts {allowed}.", "invalid_request_error", null, "method_not_allowed"),
            408 => new OpenAIError("The request arrived too slowly; the server stopped waiting for it.", "invalid_request_error", null, "request_timeout"),
            413 => new OpenAIError("The request body is larger than this server accepts.", "invalid_request_error", null, "request_too_large"),
            >= 500 => new OpenAIError("The server failed while handling this request.", "server_error", null, null),
            _ => new OpenAIError($"The request was refused: {ReasonPhrases.GetReasonPhrase(status)} ({request}).", "invalid_request_error", null, null),
        };
    }

    internal static Task Write(HttpContext http, int status, OpenAIErrorResponse error)
    {
        GatewayMetrics.RecordRejected("rest", status, error.Error.Param, error.Error.Code);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(OpenAIJson.Serialize(error));
        http.Response.ContentLength = body.Length;
        return http.Response.Body.WriteAsync(body).AsTask();
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway");

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed")]
    private static partial void LogUnhandled(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request ended with status {Status} and no body ({Method} {Path})")]
    private static partial void LogBodilessServerError(ILogger logger, int status, string method, string path);
}
