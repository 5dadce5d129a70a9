using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Cluster.Gateway.Apis;

/// <summary>Reads a JSON request body, turning oversized and malformed bodies into OpenAI-shaped 413/400 errors.</summary>
internal static class RequestBody
{
    public static async Task<JsonDocument> ReadJsonAsync(HttpContext http)
    {
        try
        {
            return await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 128 }, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw new RequestValidationException(400, "We could not parse the JSON body of your request. The body must be valid JSON.", null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            long? limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            throw new RequestValidationException(413, $"The request body is larger than the {limit} bytes this server accepts.", null, "request_too_large");
        }
    }
}
