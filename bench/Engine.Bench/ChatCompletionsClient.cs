using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Engine.Bench;

/// <summary>
/// Streams <c>/v1/chat/completions</c> requests over real HTTP and times each content chunk as it arrives.
/// Every request is identical: greedy, <c>ignore_eos</c>, a fixed <c>max_tokens</c>, usage in the last chunk.
/// </summary>
internal sealed class ChatCompletionsClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly byte[] _body;

    public ChatCompletionsClient(Uri baseAddress, string model, string userMessage, int maxTokens)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(10),
        };
        _body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["ignore_eos"] = true,
        }.ToJsonString());
    }

    public async Task SendAsync(RequestTiming timing, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new ByteArrayContent(_body) { Headers = { ContentType = Json } },
        };
        timing.Start();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line.AsSpan(6);
            if (data.SequenceEqual("[DONE]")) return;
            // Cheap scans keep the client's share of the CPU small; only the usage chunk is parsed.
            if (HasOutput(data)) timing.Arrived();
            if (data.Contains("\"usage\":{", StringComparison.Ordinal)) ReadUsage(data, timing);
            else if (data.StartsWith("{\"error\"", StringComparison.Ordinal)) throw new HttpRequestException(line);
        }
        throw new HttpRequestException("The stream ended without [DONE].");
    }

    // Quotes inside JSON strings are escaped, so these key patterns cannot occur inside generated text.
    private static bool HasOutput(ReadOnlySpan<char> data)
    {
        int content = data.IndexOf("\"content\":\"", StringComparison.Ordinal);
        return content >= 0 && data[content + 11] != '"' || data.Contains("\"tool_calls\":[", StringComparison.Ordinal);
    }

    private static void ReadUsage(ReadOnlySpan<char> data, RequestTiming timing)
    {
        using var chunk = JsonDocument.Parse(data.ToString());
        var usage = chunk.RootElement.GetProperty("usage");
        timing.Tokens = usage.GetProperty("completion_tokens").GetInt32();
        timing.PromptTokens = usage.GetProperty("prompt_tokens").GetInt32();
    }

    public void Dispose() => _http.Dispose();
}
