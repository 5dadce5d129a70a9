using Microsoft.AspNetCore.HttpLogging;

namespace Cluster.Gateway.Hosting;

/// <summary>How the gateway logs: <c>--log-format text|json</c>.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// The gateway's console logs: text (the default) or JSON lines (<c>--log-format json</c>), scopes included either way so
/// that a request's lines carry its <c>RequestId</c>. Prompts and completions are never logged unless
/// <c>--log-requests</c>: then each REST request's body and response (the SSE text of a stream) are logged at
/// Information by ASP.NET Core's HTTP logging, and gRPC messages by <c>GrpcRequestLog</c>. Headers are never logged
/// (they carry API keys).
/// </summary>
public static class GatewayLogging
{
    /// <summary>Most bytes of a request or response body logged with <c>--log-requests</c>.</summary>
    public const int BodyLogLimit = 64 * 1024;

    public static void AddGatewayLogging(this WebApplicationBuilder builder, GatewayOptions gateway)
    {
        // Each of these also selects its formatter for the console logger, so only the chosen one is added.
        if (gateway.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);
        }
        // ASP.NET Core's own request scope names Kestrel's connection-based id "RequestId" too; without it the only
        // RequestId in a line is the one the client sees in x-request-id.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        if (!gateway.LogRequests) return;
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
        builder.Services.AddHttpLogging(o =>
        {
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.RequestBody
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.ResponseBody | HttpLoggingFields.Duration;
            o.RequestBodyLogLimit = BodyLogLimit;
            o.ResponseBodyLogLimit = BodyLogLimit;
            o.CombineLogs = true;
        });
    }

    public static void UseGatewayRequestLog(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value.LogRequests) app.UseHttpLogging();
    }
}
