using Cluster.Contracts.Security;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Apis;
using Cluster.Gateway.Hosting;
using Grpc.AspNetCore.Server;

namespace Cluster.Gateway.Security;

/// <summary>
/// Admits requests when API keys are configured: every REST route and gRPC method needs <c>Authorization: Bearer
/// KEY</c>, except <c>/health</c>, the playground's static files (<c>/</c>), <c>grpc.health.v1.Health</c> (orchestrators' probes send no credentials) and
/// <c>/metrics</c> unless <c>--protect-metrics</c>. An admitted key's rate limits are then taken from its shared
/// <see cref="IRateLimitGrain"/>, and the figures written as OpenAI's <c>x-ratelimit-*</c> headers on the response.
/// REST refusals are answered here with OpenAI's error body; a gRPC call carries its refusal to
/// <c>GrpcAccessInterceptor</c>, which answers with the gRPC status.
/// </summary>
public static partial class ApiAccess
{
    public static IApplicationBuilder UseApiAccess(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var (caller, refusal) = await AdmitAsync(http).ConfigureAwait(false);
        if (caller is not null)
        {
            http.Features.Set(caller);
            // Every grain call of this request carries the key's hash: sessions check it (set here, not in AdmitAsync,
            // because a value set inside an awaited method does not flow back out of it).
            SessionOwner.Set(caller.Key.Hash);
        }
        if (refusal is null)
        {
            await next(http).ConfigureAwait(false);
        }
        else if (http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null)
        {
            http.Features.Set(refusal);
            await next(http).ConfigureAwait(false);
        }
        else
        {
            if (refusal.Status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
            await ErrorHandling.Write(http, refusal.Status, new OpenAIErrorResponse(refusal.Error)).ConfigureAwait(false);
        }
    });

    private static async Task<(ApiCaller? Caller, ApiRefusal? Refusal)> AdmitAsync(HttpContext http)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeys>();
        if (!keys.RequiresKeys || IsOpen(http)) return (null, null);
        var check = keys.Check(http.Request.Headers.Authorization);
        if (check.Key is not { } key)
        {
            LogRefusedKey(Logger(http), check.Outcome);
            return (null, check.Outcome == KeyCheckOutcome.Missing ? ApiRefusal.MissingKey : ApiRefusal.WrongKey);
        }
        var grains = http.RequestServices.GetRequiredService<IGrainFactory>();
        var caller = new ApiCaller(key, grains);
        if (!key.Limits.Any) return (caller, null);
        var decision = await GrainCalls.MapErrors(() => grains.GetGrain<IRateLimitGrain>(key.Hash).AcquireAsync(key.Limits)).ConfigureAwait(false);
        RateLimitHeaders.Write(http.Response.Headers, decision);
        if (decision.Admitted) return (caller, null);
        LogRateLimited(Logger(http), key.Name, decision.RefusedBy!, decision.RetryAfter.TotalSeconds);
        return (caller, ApiRefusal.RateLimited(decision));
    }

    /// <summary>The endpoints that never need a key, decided by the matched endpoint (so a path's case or trailing slash cannot sneak past).</summary>
    private static bool IsOpen(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc)
            return grpc.Method.ServiceName == global::Grpc.Health.V1.Health.Descriptor.FullName;
        return (endpoint as RouteEndpoint)?.RoutePattern.RawText switch
        {
            "/health" => true,
            // The playground's page and scripts: static, no data; its API calls carry the key the user types.
            { } route when Playground.PlaygroundPage.Routes.Contains(route) => true,
            "/metrics" => !http.RequestServices.GetRequiredService<SecurityOptions>().ProtectMetrics,
            _ => false,
        };
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Cluster.Gateway.Security");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request refused: API key {Outcome}")]
    private static partial void LogRefusedKey(ILogger logger, KeyCheckOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "API key {KeyName} is over its {Limit} limit; refused for {RetryAfterSeconds:0.0} s")]
    private static partial void LogRateLimited(ILogger logger, string keyName, string limit, double retryAfterSeconds);
}
