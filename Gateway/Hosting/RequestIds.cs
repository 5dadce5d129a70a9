namespace Cluster.Gateway.Hosting;

/// <summary>
/// Gives every request an id, returned in the <c>x-request-id</c> response header (REST and gRPC alike, and on
/// refusals): the client's own <c>x-request-id</c> when it sent a usable one, else a fresh <c>req_…</c>. Everything
/// logged while the request runs carries it as <c>RequestId</c> in a logging scope.
/// </summary>
public static class RequestIds
{
    public const string Header = "x-request-id";

    /// <summary>Longest client id echoed; a longer or odd one is replaced, not refused.</summary>
    public const int MaxLength = 128;

    private static readonly Func<ILogger, string, IDisposable?> Scope = LoggerMessage.DefineScope<string>("RequestId:{RequestId}");

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway");
        return app.Use(async (http, next) =>
        {
            string id = FromClient(http.Request.Headers[Header]) ?? "req_" + Guid.NewGuid().ToString("N");
            http.TraceIdentifier = id;
            http.Response.Headers[Header] = id;
            using (Scope(logger, id)) await next(http).ConfigureAwait(false);
        });
    }

    /// <summary>The client's id when it is one value of visible ASCII characters, at most <see cref="MaxLength"/> long (it goes into logs and headers as is).</summary>
    private static string? FromClient(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 1 && values[0] is { Length: > 0 and <= MaxLength } id && id.All(c => c is > ' ' and <= '~') ? id : null;
}
