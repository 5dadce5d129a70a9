using System.Text.Json.Serialization;

namespace Cluster.Gateway.Apis;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAIErrorResponse(OpenAIError Error);

public sealed record OpenAIError(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

/// <summary>A request the gateway refuses, with the HTTP status and the field at fault.</summary>
public sealed class RequestValidationException(int statusCode, string message, string? param, string? code = null, string type = "invalid_request_error")
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public OpenAIErrorResponse ToResponse() => new(new OpenAIError(Message, type, param, code));

    public static RequestValidationException Invalid(string param, string message) => new(400, message, param);
}
