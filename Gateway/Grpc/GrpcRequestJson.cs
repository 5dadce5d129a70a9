using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Gateway.Apis;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Cluster.Inference.V1;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// Turns a gRPC request message into the JSON body the REST endpoint would receive, so that one reader validates
/// both transports. The mapping is generic over the message descriptor (the proto's field names are REST's JSON
/// names); only what REST spells as a union (<c>tool_choice</c>, <c>prompt</c>) and the fields that carry JSON text
/// (schemas, <c>structured_outputs</c>, <c>chat_template_kwargs</c>) are special.
/// </summary>
public static class GrpcRequestJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    /// <summary>String fields whose text is a JSON value in the REST body.</summary>
    private static readonly HashSet<string> JsonTextFields =
    [
        V1.FunctionDefinition.Descriptor.FindFieldByNumber(V1.FunctionDefinition.ParametersFieldNumber).FullName,
        V1.JsonSchemaFormat.Descriptor.FindFieldByNumber(V1.JsonSchemaFormat.SchemaFieldNumber).FullName,
        V1.ChatCompletionRequest.Descriptor.FindFieldByNumber(V1.ChatCompletionRequest.StructuredOutputsFieldNumber).FullName,
        V1.ChatCompletionRequest.Descriptor.FindFieldByNumber(V1.ChatCompletionRequest.ChatTemplateKwargsFieldNumber).FullName,
        V1.CompletionRequest.Descriptor.FindFieldByNumber(V1.CompletionRequest.StructuredOutputsFieldNumber).FullName,
        V1.TokenizeRequest.Descriptor.FindFieldByNumber(V1.TokenizeRequest.ChatTemplateKwargsFieldNumber).FullName,
    ];

    /// <summary>The REST body for <paramref name="message"/> with <c>"stream": true</c> (every gRPC generation streams).</summary>
    public static JsonDocument StreamingBody(IMessage message, Action<JsonObject>? adjust = null) =>
        Body(message, body =>
        {
            body["stream"] = true;
            adjust?.Invoke(body);
        });

    /// <summary>The REST body for <paramref name="message"/> of a unary RPC.</summary>
    public static JsonDocument Body(IMessage message, Action<JsonObject>? adjust = null)
    {
        var body = Object(message, "");
        adjust?.Invoke(body);
        return JsonDocument.Parse(body.ToJsonString(), DocumentOptions);
    }

    private static JsonObject Object(IMessage message, string path)
    {
        var result = new JsonObject();
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            object? value = field.Accessor.GetValue(message);
            if (!IsSet(field, message, value)) continue;
            string at = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            result[field.Name] = field switch
            {
                { IsMap: true } => Map(field, (IDictionary)value!),
                { IsRepeated: true } => Array(field, (IList)value!, at),
                _ => Value(field, value!, at),
            };
        }
        return result;
    }

    private static bool IsSet(FieldDescriptor field, IMessage message, object? value)
    {
        if (field.IsMap || field.IsRepeated) return ((ICollection)value!).Count > 0;
        if (field.HasPresence) return field.Accessor.HasValue(message);
        // proto3 scalars without presence: the default value means "not given".
        return value switch
        {
            string s => s.Length > 0,
            bool b => b,
            int i => i != 0,
            long l => l != 0,
            double d => d != 0,
            float f => f != 0,
            ByteString bytes => !bytes.IsEmpty,
            _ => value is not null,
        };
    }

    private static JsonArray Array(FieldDescriptor field, IList items, string at)
    {
        var result = new JsonArray();
        int i = 0;
        foreach (object item in items) result.Add(Value(field, item, $"{at}[{i++}]"));
        return result;
    }

    private static JsonObject Map(FieldDescriptor field, IDictionary entries)
    {
        var valueField = field.MessageType.FindFieldByNumber(2);
        var result = new JsonObject();
        foreach (DictionaryEntry entry in entries) result[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!] = Value(valueField, entry.Value!, "");
        return result;
    }

    private static JsonNode? Value(FieldDescriptor field, object value, string at) => value switch
    {
        V1.ToolChoice choice => ToolChoice(choice),
        V1.Prompt prompt => Prompt(prompt),
        IMessage message => Object(message, at),
        string text when JsonTextFields.Contains(field.FullName) => JsonText(text, at),
        string text => JsonValue.Create(text),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        uint u => JsonValue.Create(u),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(f),
        _ => throw new NotSupportedException($"The proto field type of '{field.FullName}' has no JSON mapping."),
    };

    private static JsonNode? JsonText(string text, string at)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: DocumentOptions);
        }
        catch (JsonException)
        {
            throw RequestValidationException.Invalid(at, $"'{at}' must be JSON text; it could not be parsed.");
        }
    }

    private static JsonNode? ToolChoice(V1.ToolChoice choice) => choice.ChoiceCase switch
    {
        V1.ToolChoice.ChoiceOneofCase.Mode => JsonValue.Create(choice.Mode),
        V1.ToolChoice.ChoiceOneofCase.Function => new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = choice.Function.Name },
        },
        _ => null,
    };

    private static JsonNode? Prompt(V1.Prompt prompt) => prompt.PromptCase switch
    {
        V1.Prompt.PromptOneofCase.Text => JsonValue.Create(prompt.Text),
        V1.Prompt.PromptOneofCase.Texts => new JsonArray(prompt.Texts.Texts.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        V1.Prompt.PromptOneofCase.TokenIds => Ids(prompt.TokenIds),
        V1.Prompt.PromptOneofCase.TokenIdBatch => new JsonArray(prompt.TokenIdBatch.Prompts.Select(p => (JsonNode?)Ids(p)).ToArray()),
        _ => null,
    };

    private static JsonArray Ids(V1.TokenIds ids) => new(ids.Ids.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
}
