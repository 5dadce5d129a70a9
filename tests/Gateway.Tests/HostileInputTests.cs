using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Gateway.Tests;

/// <summary>
/// What a hostile client sends, over real HTTP against the real server: each case names the status, the error
/// <c>param</c> and <c>code</c> it must get, always in OpenAI's error shape; body cases are sent with
/// <c>"stream": false</c> and <c>true</c> and must be refused identically; after every case the server still
/// answers a normal request.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class HostileInputTests(ClusterFixture cluster)
{
    /// <summary>A request (given whether to stream) and the answer it must get; <paramref name="Status"/> 200 means accepted.</summary>
    public sealed record Case(Func<bool, HttpRequestMessage> Request, int Status, string? Param = null, string? Code = null,
        bool ParamIsPrefix = false, bool HasStreamVariant = true, string? Message = null);

    private const string Chat = "/v1/chat/completions";
    private const string Completions = "/v1/completions";
    private const string User = """{"role":"user","content":"hi"}""";

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF],             // never valid in UTF-8
        [0xC0, 0xAF],       // overlong '/'
        [0xED, 0xA0, 0x80], // an encoded surrogate (U+D800)
        [0xE2, 0x82],       // a truncated sequence
        [0x80],             // a lone continuation byte
    ];

    private static readonly Dictionary<string, Case> Cases = BuildCases();

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    /// <summary>
    /// A JSON body from a template: <c>%S</c> becomes <c>true</c>/<c>false</c> (stream), <c>%X</c> the raw bytes.
    /// </summary>
    private static Func<bool, HttpRequestMessage> Post(string path, string template, byte[]? raw = null, string? contentType = "application/json",
        params (string Name, string Value)[] headers) => stream =>
    {
        var body = new List<byte>();
        string[] parts = template.Replace("%S", stream ? "true" : "false").Split("%X");
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) body.AddRange(raw ?? []);
            body.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        var content = new ByteArrayContent(body.ToArray());
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    };

    private static Func<bool, HttpRequestMessage> Send(HttpMethod method, string path, params (string Name, string Value)[] headers) => _ =>
    {
        var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    };

    /// <summary>A chat body with <paramref name="fields"/> added; the messages default to one user message.</summary>
    private static string ChatBody(string fields = "", string messages = User, string budget = "\"max_tokens\":1") =>
        $$"""{"model":"tiny-test","messages":[{{messages}}],{{budget}},"stream":%S{{(fields.Length > 0 ? "," + fields : "")}}}""";

    private static string CompletionBody(string fields = "", string prompt = "\"hi\"", string budget = "\"max_tokens\":1") =>
        $$"""{"model":"tiny-test","prompt":{{prompt}},{{budget}},"stream":%S{{(fields.Length > 0 ? "," + fields : "")}}}""";

    /// <summary>Nested arrays <paramref name="depth"/> levels deep.</summary>
    private static string Arrays(int depth) => new string('[', depth) + new string(']', depth);

    /// <summary>A valid JSON Schema exactly <paramref name="depth"/> levels deep (objects nested through <c>properties</c>).</summary>
    private static string Schema(int depth) => depth switch
    {
        1 => """{"type":"string"}""",
        2 => """{"type":"object","properties":{}}""",
        _ => $$$"""{"type":"object","properties":{"a":{{{Schema(depth - 2)}}}}}""",
    };

    /// <summary>
    /// A trivial schema exactly <paramref name="depth"/> levels deep (at least 3) through an annotation the grammar
    /// ignores: the depth limit is under test here, not how constrained decoding scales with nested properties.
    /// </summary>
    private static string DeepAnnotatedSchema(int depth) => $$"""{"type":"string","examples":[{{Arrays(depth - 2)}}]}""";

    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    private static Dictionary<string, Case> BuildCases()
    {
        var cases = new Dictionary<string, Case>();

        // Invalid UTF-8 bytes: every kind of sequence in a message, then one kind in each kind of field.
        foreach (var bytes in InvalidUtf8)
        {
            string hex = Convert.ToHexString(bytes);
            cases[$"utf8 {hex} in messages[0].content"] = new(Post(Chat, ChatBody(messages: """{"role":"user","content":"a%Xb"}"""), bytes), 400, "messages[0].content");
            cases[$"utf8 {hex} in prompt"] = new(Post(Completions, CompletionBody(prompt: "\"%X\""), bytes), 400, "prompt");
        }
        byte[] ff = [0xFF];
        var chatFields = new (string Param, string Body)[]
        {
            ("model", """{"model":"tiny%X","messages":[{"role":"user","content":"hi"}],"stream":%S}"""),
            ("messages[0].role", ChatBody(messages: """{"role":"us%Xer","content":"hi"}""")),
            ("messages[0].name", ChatBody(messages: """{"role":"user","name":"%X","content":"hi"}""")),
            ("messages[0].content[1].text", ChatBody(messages: """{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"%X"}]}""")),
            ("messages[1].tool_calls[0].function.arguments", ChatBody(messages: User + """,{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":\"%X\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}""")),
            ("tools[1].function.description", ChatBody("""
                "tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g","description":"%X"}}]
                """)),
            ("tools[0].function.parameters.properties.a.description", ChatBody("""
                "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string","description":"%X"}}}}}]
                """)),
            ("stop[2]", ChatBody("""
                "stop":["a","b","%X"]
                """)),
            ("chat_template_kwargs.x", ChatBody("""
                "chat_template_kwargs":{"x":"%X"}
                """)),
            ("response_format.json_schema.name", ChatBody("""
                "response_format":{"type":"json_schema","json_schema":{"name":"%X","schema":{"type":"object"}}}
                """)),
            ("user", ChatBody("""
                "user":"%X"
                """)),
        };
        foreach (var (param, body) in chatFields) cases[$"utf8 FF in {param}"] = new(Post(Chat, body, ff), 400, param);
        var completionFields = new (string Param, string Body)[]
        {
            ("model", """{"model":"%X","prompt":"hi","stream":%S}"""),
            ("prompt[1]", CompletionBody(prompt: """["a","%X"]""")),
            ("stop[2]", CompletionBody("""
                "stop":["a","b","%X"]
                """)),
            ("structured_outputs.json", CompletionBody("""
                "structured_outputs":{"json":"{\"type\":\"%X\"}"}
                """)),
        };
        foreach (var (param, body) in completionFields) cases[$"completions utf8 FF in {param}"] = new(Post(Completions, body, ff), 400, param);
        cases["utf8 FF in a property name of messages[0]"] = new(Post(Chat, ChatBody(messages: """{"role":"user","content":"hi","%X":1}"""), ff), 400, "messages[0]");
        cases["utf8 FF in a property name of the body"] = new(Post(Chat, ChatBody("\"%X\":1"), ff), 400, null);

        // Escapes that spell no character: lone high and low surrogates, a reversed pair, two highs.
        foreach (var (name, escape) in new[] { ("lone high", @"\ud800"), ("lone low", @"\udc00"), ("reversed pair", @"\udc00\ud800"), ("two highs", @"\ud800\ud800"), ("high then text", @"a\ud800b") })
        {
            cases[$"{name} in messages[0].content"] = new(Post(Chat, ChatBody(messages: $$"""{"role":"user","content":"{{escape}}"}""")), 400, "messages[0].content");
            cases[$"{name} in stop[2]"] = new(Post(Chat, ChatBody($$"""
                "stop":["a","b","{{escape}}"]
                """)), 400, "stop[2]");
            cases[$"{name} in tools[1].function.description"] = new(Post(Chat, ChatBody($$$"""
                "tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g","description":"{{{escape}}}"}}]
                """)), 400, "tools[1].function.description");
            cases[$"{name} in prompt"] = new(Post(Completions, CompletionBody(prompt: $"\"{escape}\"")), 400, "prompt");
            cases[$"{name} in a property name of messages[0]"] = new(Post(Chat, ChatBody(messages: $$"""{"role":"user","content":"hi","{{escape}}":1}""")), 400, "messages[0]");
        }
        // Neighbours that are valid Unicode.
        cases["escaped surrogate pair in content"] = new(Post(Chat, ChatBody(messages: """{"role":"user","content":"\ud83d\ude00"}""")), 200);
        cases["raw multi-byte UTF-8 in content"] = new(Post(Chat, ChatBody(messages: """{"role":"user","content":"é😀"}""")), 200);
        cases["escaped surrogate pair in a property name"] = new(Post(Chat, ChatBody("\"\\ud83d\\ude00\":1")), 200);

        // Depth: whole-document nesting; 64 is the limit. The first container too deep is named.
        foreach (int depth in new[] { 63, 64, 65, 128, 1000 })
        {
            bool accepted = depth <= 64;
            cases[$"depth {depth} in chat_template_kwargs"] = new(Post(Chat, ChatBody($$"""
                "chat_template_kwargs":{"x":{{Arrays(depth - 2)}}}
                """)), accepted ? 200 : 400, accepted ? null : "chat_template_kwargs.x" + Repeat("[0]", 62));
            cases[$"depth {depth} in tools[0].function.parameters"] = new(Post(Chat, ChatBody($$$"""
                "tools":[{"type":"function","function":{"name":"f","parameters":{{{Schema(depth - 4)}}}}}]
                """)), accepted ? 200 : 400, accepted ? null : "tools[0].function.parameters", ParamIsPrefix: true);
            cases[$"depth {depth} in response_format"] = new(Post(Chat, ChatBody($$$"""
                "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{{{DeepAnnotatedSchema(depth - 3)}}}}}
                """)), accepted ? 200 : 400, accepted ? null : "response_format.json_schema.schema", ParamIsPrefix: true);
            cases[$"depth {depth} in prompt"] = new(Post(Completions, CompletionBody(prompt: $"[{Arrays(depth - 2)}]")), 400, accepted ? "prompt[0]" : "prompt" + Repeat("[0]", 63));
        }
        foreach (int depth in new[] { 64, 65 })
        {
            cases[$"depth {depth} in structured_outputs.json text"] = new(Post(Completions, CompletionBody($$"""
                "structured_outputs":{"json":"{{DeepAnnotatedSchema(depth).Replace("\"", "\\\"")}}"}
                """)), depth <= 64 ? 200 : 400, depth <= 64 ? null : "structured_outputs.json");
            cases[$"depth {depth} in tool call arguments text"] = new(Post(Chat, ChatBody(messages: User + $$$"""
                ,{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":{{{Arrays(depth - 1)}}}}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}
                """)), depth <= 64 ? 200 : 400, depth <= 64 ? null : "messages[1].tool_calls[0].function.arguments");
        }

        // Malformed JSON, and a byte-order mark (accepted, as JSON text readers do).
        cases["truncated JSON"] = new(Post(Chat, """{"model":"tiny-test","stream":%S,"messages":[{"role":"user","con"""), 400, null);
        cases["empty body"] = new(Post(Chat, ""), 400, null, HasStreamVariant: false);
        cases["body with a UTF-8 byte-order mark"] = new(Post(Chat, "%X" + ChatBody(), [0xEF, 0xBB, 0xBF]), 200);

        // Content-Type: only application/json (UTF-8) is a body, so that no web page can POST one without a preflight.
        foreach (var (path, body) in new[] { (Chat, ChatBody()), (Completions, CompletionBody()) })
        {
            foreach (string? type in new[] { "text/plain", null, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/jsonx", "text/json" })
                cases[$"{path} with Content-Type {type ?? "missing"}"] = new(Post(path, body, contentType: type), 415, "Content-Type", "unsupported_media_type");
            foreach (string type in new[] { "application/json; charset=UTF-8", "APPLICATION/JSON", "Application/Json;charset=utf8" })
                cases[$"{path} with Content-Type {type}"] = new(Post(path, body, contentType: type), 200);
        }
        cases["form post of a chat body"] = new(Post(Chat, "model=tiny-test&messages=hi", contentType: "application/x-www-form-urlencoded"), 415, "Content-Type", "unsupported_media_type", HasStreamVariant: false);

        // Session ids: one rule for the header (both endpoints) and the route.
        foreach (var (name, id) in new[] { ("257 characters", new string('a', 257)), ("a slash", "a/b"), ("the ephemeral prefix", "ephemeral/x"), ("a space", "a b"), ("nothing", ""), ("a percent sign", "a%2Fb") })
        {
            cases[$"X-Session-Id with {name} on chat"] = new(Post(Chat, ChatBody(), headers: ("X-Session-Id", id)), 400, "X-Session-Id");
            cases[$"X-Session-Id with {name} on completions"] = new(Post(Completions, CompletionBody(), headers: ("X-Session-Id", id)), 400, "X-Session-Id");
        }
        cases["X-Session-Id sent twice"] = new(Post(Chat, ChatBody(), headers: [("X-Session-Id", "a"), ("X-Session-Id", "b")]), 400, "X-Session-Id");
        foreach (var (name, path) in new[] { ("257 characters", new string('a', 257)), ("a slash", "a/b"), ("an encoded slash", "a%2Fb"), ("an encoded space", "a%20b"), ("nothing", "") })
        {
            cases[$"GET session id with {name}"] = new(Send(HttpMethod.Get, "/v1/sessions/" + path), 400, "id", HasStreamVariant: false);
            cases[$"DELETE session id with {name}"] = new(Send(HttpMethod.Delete, "/v1/sessions/" + path), 400, "id", HasStreamVariant: false);
        }

        // Token budgets: range per field, and never more than the model's context (1024 tokens here).
        foreach (var (path, field, body) in new[] { (Completions, "max_tokens", (Func<string, string>)(b => CompletionBody(budget: b))), (Chat, "max_tokens", b => ChatBody(budget: b)), (Chat, "max_completion_tokens", b => ChatBody(budget: b)) })
        {
            foreach (string value in new[] { "2147483647", "1025", "0", "-1", "4294967296", "1.5", "\"ten\"" })
                cases[$"{path} {field} {value}"] = new(Post(path, body($"\"{field}\":{value}")), 400, field);
            cases[$"{path} {field} 2"] = new(Post(path, body($"\"{field}\":2")), 200);
        }

        // URLs, methods and headers.
        var unknownUrl = Post("/v1/assistants", """{"model":"tiny-test","name":"hi","stream":%S}""");
        cases["POST /v1/assistants"] = new(unknownUrl, 404, null, "unknown_url", Message: "Invalid URL (POST /v1/assistants)");
        cases["GET /nope"] = new(Send(HttpMethod.Get, "/nope"), 404, null, "unknown_url", HasStreamVariant: false, Message: "Invalid URL (GET /nope)");
        cases["GET /v1/nope.txt"] = new(Send(HttpMethod.Get, "/v1/nope.txt"), 404, null, "unknown_url", HasStreamVariant: false);
        cases["GET /v1/chat/completions"] = new(Send(HttpMethod.Get, Chat), 405, null, "method_not_allowed", HasStreamVariant: false);
        cases["PUT /v1/completions"] = new(Send(HttpMethod.Put, Completions), 405, null, "method_not_allowed", HasStreamVariant: false);
        cases["DELETE /v1/models"] = new(Send(HttpMethod.Delete, "/v1/models"), 405, null, "method_not_allowed", HasStreamVariant: false);
        cases["OPTIONS /v1/chat/completions (a CORS preflight)"] = new(Send(HttpMethod.Options, Chat, ("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST")), 405, null, "method_not_allowed", HasStreamVariant: false);
        cases["URL over 8 KiB"] = new(Send(HttpMethod.Get, "/v1/models/" + new string('a', 8 * 1024)), 414, null, "url_too_long", HasStreamVariant: false);
        cases["URL just under 8 KiB"] = new(Send(HttpMethod.Get, "/v1/models/" + new string('a', 8 * 1024 - 20)), 404, "model", "model_not_found", HasStreamVariant: false);
        cases["one header of 40 KiB"] = new(Send(HttpMethod.Get, "/v1/models", ("X-Big", new string('h', 40 * 1024))), 431, null, "request_headers_too_large", HasStreamVariant: false);
        cases["150 headers"] = new(Send(HttpMethod.Get, "/v1/models", Enumerable.Range(0, 150).Select(i => ($"X-H{i}", "v")).ToArray()), 431, null, "request_headers_too_large", HasStreamVariant: false);
        cases["one header of 20 KiB"] = new(Send(HttpMethod.Get, "/v1/models", ("X-Big", new string('h', 20 * 1024))), 200, HasStreamVariant: false);
        cases["huge headers on a chat POST"] = new(Post(Chat, ChatBody(), headers: ("X-Big", new string('h', 40 * 1024))), 431, null, "request_headers_too_large");
        return cases;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Hostile_request_is_answered_with_an_openai_error_and_the_server_keeps_serving(string name)
    {
        var c = Cases[name];
        var (status, error) = await Answer(c.Request(false));
        Assert.True(c.Status == status, $"{name}: expected {c.Status}, got {status}: {error}");
        if (c.Status >= 400)
        {
            Assert.NotNull(error);
            Assert.Equal(c.Status >= 500 ? "server_error" : "invalid_request_error", error["type"]!.GetValue<string>());
            string message = error["message"]!.GetValue<string>();
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.DoesNotContain("(Parameter '", message);
            if (c.Message is not null) Assert.Equal(c.Message, message);
            Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"), error.ToJsonString());
            string? param = error["param"]?.GetValue<string>();
            if (c.ParamIsPrefix) Assert.StartsWith(c.Param!, param ?? "<null>");
            else Assert.Equal(c.Param, param);
            if (c.Code is not null) Assert.Equal(c.Code, error["code"]?.GetValue<string>());
        }
        if (c.HasStreamVariant)
        {
            var (streamStatus, streamError) = await Answer(c.Request(true));
            Assert.Equal(status, streamStatus);
            Assert.Equal(error?.ToJsonString(), streamError?.ToJsonString());
        }
        await AssertStillServing();
    }

    /// <summary>The status, and the error object when the status is an error (asserting OpenAI's JSON shape).</summary>
    private async Task<(int Status, JsonNode? Error)> Answer(HttpRequestMessage request)
    {
        using (request)
        using (var response = await cluster.Http.SendAsync(request))
        {
            string text = await response.Content.ReadAsStringAsync();
            int status = (int)response.StatusCode;
            if (status < 400) return (status, null);
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{status} without a JSON body: '{text}'");
            var error = JsonNode.Parse(text)!["error"];
            Assert.True(error is JsonObject, $"{status} without an error object: {text}");
            return (status, error);
        }
    }

    private async Task AssertStillServing()
    {
        using var response = await cluster.Http.PostAsync(Chat, new StringContent(
            """{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"max_tokens":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_session_id_of_the_longest_allowed_form_can_be_stored_read_and_deleted()
    {
        string id = "s:" + Guid.NewGuid().ToString("N") + "." + new string('x', 256 - 37) + "_-";
        Assert.Equal(256, id.Length);
        var (status, error) = await Answer(Post(Chat, ChatBody(), headers: ("X-Session-Id", id))(false));
        Assert.True(status == 200, error?.ToJsonString());
        var snapshot = JsonNode.Parse(await cluster.Http.GetStringAsync($"/v1/sessions/{id}"))!;
        Assert.Equal(id, snapshot["id"]!.GetValue<string>());
        Assert.Equal(2, snapshot["messages"]!.AsArray().Count);
        using var deleted = await cluster.Http.DeleteAsync($"/v1/sessions/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }

    /// <summary>
    /// Beyond Kestrel's own limits (raised to 8× the documented ones) Kestrel answers before any middleware runs, with
    /// an empty body: the documented remainder.
    /// </summary>
    [Fact]
    public async Task Requests_beyond_kestrels_raised_limits_get_kestrels_bare_status()
    {
        using var longUrl = await cluster.Http.GetAsync("/v1/models/" + new string('a', 80 * 1024));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longUrl.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.TryAddWithoutValidation("X-Big", new string('h', 300 * 1024));
        using var hugeHeaders = await cluster.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, hugeHeaders.StatusCode);
        await AssertStillServing();
    }
}
