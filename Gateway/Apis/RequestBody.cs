using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Cluster.Gateway.Apis;

/// <summary>
/// Reads a JSON request body: 415 unless it is declared <c>application/json</c>, 413 when too large, 408 when it
/// arrives too slowly, 400 (naming the field where known) when it is not valid JSON or not valid Unicode, or nests
/// deeper than <see cref="JsonInput.MaxDepth"/>.
/// </summary>
internal static class RequestBody
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static async Task<JsonDocument> ReadJsonAsync(HttpContext http)
    {
        RequireJsonContentType(http.Request);
        var bytes = await ReadAllAsync(http).ConfigureAwait(false);
        if (bytes.Span.StartsWith(Utf8Bom)) bytes = bytes[Utf8Bom.Length..];
        JsonInput.ValidateBody(bytes.Span);
        return JsonDocument.Parse(bytes, JsonInput.DocumentOptions);
    }

    /// <summary>
    /// Only <c>application/json</c> (UTF-8) is a request body. Refusing other types matters beyond tidiness: a web
    /// page may send a <c>text/plain</c> or form POST to a local server without a CORS preflight, and must not be
    /// able to make it generate.
    /// </summary>
    private static void RequireJsonContentType(HttpRequest request)
    {
        string? declared = request.ContentType;
        const string header = "Content-Type";
        if (string.IsNullOrEmpty(declared))
            throw new RequestValidationException(415, "Missing 'Content-Type' header: request bodies must be sent as 'application/json'.", header, "unsupported_media_type");
        if (!MediaTypeHeaderValue.TryParse(declared, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            throw new RequestValidationException(415, "Unsupported 'Content-Type': request bodies must be sent as 'application/json'.", header, "unsupported_media_type");
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        if (charset.Length > 0 && !(charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
            throw new RequestValidationException(415, "Unsupported 'Content-Type' charset: JSON request bodies must be UTF-8.", header, "unsupported_media_type");
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAllAsync(HttpContext http)
    {
        long? declared = http.Request.ContentLength;
        using var buffer = new MemoryStream(declared is > 0 and <= 1 << 20 ? (int)declared : 4096);
        try
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            long? limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            throw new RequestValidationException(413, $"The request body is larger than the {limit} bytes this server accepts.", null, "request_too_large");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            throw new RequestValidationException(408, "The request body arrived too slowly: the server stopped waiting for the bytes its Content-Length announced.", null, "request_timeout");
        }
        catch (BadHttpRequestException e)
        {
            // Malformed framing (bad chunked encoding, a body shorter than its Content-Length): the client's fault.
            throw new RequestValidationException(e.StatusCode, "The request body could not be read: its framing (Content-Length or chunked encoding) is malformed or incomplete.", null);
        }
        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
