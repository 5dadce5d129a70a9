using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cluster.Gateway.Apis;

/// <summary>
/// The documented limits on a request's URL and headers, enforced here so that a refusal carries an OpenAI error
/// body. Kestrel refuses its own limits with an empty 414/431 before any middleware runs, so <see cref="ConfigureKestrel"/>
/// raises them well above these; only a request beyond Kestrel's raised limits still gets its empty answer.
/// </summary>
public static class RequestLimits
{
    /// <summary>Longest request target (path and query as sent): 414 beyond.</summary>
    public const int MaxUrlBytes = 8 * 1024;

    /// <summary>Most bytes of request headers, counted as on the wire (<c>name: value\r\n</c>): 431 beyond.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Most request header lines: 431 beyond.</summary>
    public const int MaxHeaderCount = 100;

    /// <summary>How far above ours Kestrel's own limits are set.</summary>
    private const int KestrelHeadroom = 8;

    /// <summary>Sets Kestrel's request-line and header limits <c>KestrelHeadroom</c> times above the enforced ones.</summary>
    public static void ConfigureKestrel(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = MaxUrlBytes * KestrelHeadroom;
        limits.MaxRequestHeadersTotalSize = MaxHeaderBytes * KestrelHeadroom;
        limits.MaxRequestHeaderCount = MaxHeaderCount * KestrelHeadroom;
    }

    /// <summary>Refuses requests beyond the URL and header limits with 414/431 and an OpenAI error body.</summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        Enforce(http);
        return next(http);
    });

    private static void Enforce(HttpContext http)
    {
        string target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path + http.Request.QueryString;
        if (target.Length > MaxUrlBytes)
            throw new RequestValidationException(414, $"The request URL is {target.Length} bytes long; this server accepts at most {MaxUrlBytes}.", null, "url_too_long");
        int count = 0;
        long bytes = 0;
        foreach (var (name, values) in http.Request.Headers)
        {
            foreach (string? value in values)
            {
                count++;
                bytes += name.Length + 2 + (value?.Length ?? 0) + 2;
            }
        }
        if (count > MaxHeaderCount)
            throw new RequestValidationException(431, $"The request has {count} header lines; this server accepts at most {MaxHeaderCount}.", null, "request_headers_too_large");
        if (bytes > MaxHeaderBytes)
            throw new RequestValidationException(431, $"The request headers total {bytes} bytes; this server accepts at most {MaxHeaderBytes}.", null, "request_headers_too_large");
    }
}
