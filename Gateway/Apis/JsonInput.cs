using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Cluster.Gateway.Apis;

/// <summary>
/// The one check every JSON document the gateway reads passes before any reader looks at it: the request body,
/// and JSON carried inside a string field (a schema given as text, a tool call's <c>arguments</c>). It refuses,
/// naming the field path OpenAI-style (<c>messages[0].content</c>, <c>stop[2]</c>), strings and property names
/// that are not valid Unicode (bytes that are not UTF-8, an unpaired surrogate escape such as <c>\ud800</c>) and
/// nesting deeper than <see cref="MaxDepth"/>. After it passes, <see cref="JsonElement.GetString"/> cannot throw.
/// </summary>
public static class JsonInput
{
    /// <summary>
    /// The deepest nesting of objects and arrays accepted in any JSON the gateway reads (400 "nested too deeply"
    /// beyond). It is System.Text.Json's default on purpose: grains and templates re-parse sub-documents
    /// (<c>tools[i].function.parameters</c>, <c>response_format</c> schemas, <c>chat_template_kwargs</c>) with the
    /// default limit, and a sub-document of a body accepted here is strictly shallower than the body, so no later
    /// parse can fail on depth. Raising it here without raising every re-parse turns deep input into 500s.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Options for parsing a document that <see cref="Validate"/> accepted.</summary>
    public static JsonDocumentOptions DocumentOptions => new() { MaxDepth = MaxDepth };

    /// <summary>Longest property name quoted in full in an error's field path; longer ones are cut.</summary>
    private const int MaxNameInPath = 100;

    /// <summary>
    /// Checks a request body: syntax, depth, and that every string and property name is valid Unicode.
    /// </summary>
    /// <exception cref="RequestValidationException">400 naming the field path where one is known.</exception>
    public static void ValidateBody(ReadOnlySpan<byte> utf8) => Validate(utf8, field: null, syntaxMessage: null);

    /// <summary>
    /// Checks JSON text that arrived inside the string field <paramref name="field"/>, which the errors name;
    /// <paramref name="syntaxMessage"/> is the refusal when the text is not JSON.
    /// </summary>
    public static void ValidateEmbedded(string json, string field, string syntaxMessage) =>
        Validate(Encoding.UTF8.GetBytes(json), field, syntaxMessage); // the string itself was checked with the body

    private static void Validate(ReadOnlySpan<byte> utf8, string? field, string? syntaxMessage)
    {
        // The reader's own limit is one above ours so that the walk below sees the too-deep container and names it.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        var path = new PathTracker();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.EnterValue();
                        if (reader.CurrentDepth >= MaxDepth)
                        {
                            string at = field ?? path.Describe(utf8);
                            throw RequestValidationException.Invalid(at, $"'{at}' is nested too deeply: JSON may nest objects and arrays at most {MaxDepth} levels deep.");
                        }
                        path.Push(reader.TokenType == JsonTokenType.StartArray);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        path.SetName(-1, 0);
                        if (!IsValidUnicode(ref reader))
                        {
                            string? at = field ?? path.DescribeOrNull(utf8);
                            string where = at is null ? "the request body" : $"'{at}'";
                            throw new RequestValidationException(400, $"A property name in {where} is not valid Unicode (it contains bytes that are not UTF-8, or an unpaired surrogate escape such as \\ud800).", at);
                        }
                        path.SetName(checked((int)reader.TokenStartIndex), reader.ValueSpan.Length);
                        break;
                    case JsonTokenType.String:
                        path.EnterValue();
                        if (!IsValidUnicode(ref reader))
                        {
                            string at = field ?? path.Describe(utf8);
                            throw RequestValidationException.Invalid(at, $"Invalid value for '{at}': not valid Unicode (it contains bytes that are not UTF-8, or an unpaired surrogate escape such as \\ud800).");
                        }
                        break;
                    default:
                        path.EnterValue();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            throw field is null
                ? new RequestValidationException(400, "We could not parse the JSON body of your request. The body must be valid JSON.", null)
                : RequestValidationException.Invalid(field, syntaxMessage ?? $"'{field}' is not valid JSON.");
        }
    }

    /// <summary>The raw bytes must be UTF-8, and escapes must not spell unpaired surrogates.</summary>
    private static bool IsValidUnicode(ref Utf8JsonReader reader)
    {
        if (!Utf8.IsValid(reader.ValueSpan)) return false;
        if (!reader.ValueIsEscaped) return true;
        char[] scratch = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            reader.CopyString(scratch);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Where the walk is, kept as offsets into the document so that no name is decoded unless an error quotes it.
    /// </summary>
    private sealed class PathTracker
    {
        private readonly List<Frame> _frames = [];

        private record struct Frame(bool IsArray, int Index, int NameStart, int NameLength);

        public void Push(bool isArray) => _frames.Add(new Frame(isArray, -1, -1, 0));

        public void Pop() => _frames.RemoveAt(_frames.Count - 1);

        /// <summary>A value begins: in an array it is the next element.</summary>
        public void EnterValue()
        {
            if (_frames.Count > 0 && _frames[^1].IsArray) _frames[^1] = _frames[^1] with { Index = _frames[^1].Index + 1 };
        }

        /// <summary>A property name begins at <paramref name="start"/> (its opening quote) and spans <paramref name="length"/> bytes unquoted.</summary>
        public void SetName(int start, int length) => _frames[^1] = _frames[^1] with { NameStart = start, NameLength = length };

        public string Describe(ReadOnlySpan<byte> utf8) => DescribeOrNull(utf8) ?? "";

        /// <summary>The path to the current value (<c>messages[0].content</c>), or null at the document's root.</summary>
        public string? DescribeOrNull(ReadOnlySpan<byte> utf8)
        {
            var text = new StringBuilder();
            foreach (var frame in _frames)
            {
                if (frame.IsArray)
                {
                    if (frame.Index >= 0) text.Append('[').Append(frame.Index).Append(']');
                }
                else if (frame.NameStart >= 0)
                {
                    if (text.Length > 0) text.Append('.');
                    text.Append(Name(utf8.Slice(frame.NameStart, frame.NameLength + 2)));
                }
            }
            return text.Length == 0 ? null : text.ToString();
        }

        private static string Name(ReadOnlySpan<byte> quoted)
        {
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            string name = reader.GetString()!;
            return name.Length <= MaxNameInPath ? name : name[..MaxNameInPath] + "…";
        }
    }
}
