using Cluster.Gateway.Apis;
using Cluster.Gateway.Serialization;

namespace Cluster.Gateway.Hosting;

/// <summary>Turns refusals into OpenAI error bodies and anything unexpected into a 500 of the same shape.</summary>
public static partial class ErrorHandling
{
    public static IApplicationBuilder UseOpenAIErrors(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
        }
        catch (RequestValidationException e) when (!http.Response.HasStarted)
        {
            await Write(http, e.StatusCode, e.ToResponse());
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            LogUnhandled(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway"), e);
            await Write(http, 500, new OpenAIErrorResponse(GrainCalls.Describe(e)));
        }
    });

    private static Task Write(HttpContext http, int status, OpenAIErrorResponse error)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(OpenAIJson.Serialize(error));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed")]
    private static partial void LogUnhandled(ILogger logger, Exception e);
}
