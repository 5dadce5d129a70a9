namespace Cluster.Contracts.Responses;

/// <summary>
/// Item ids that name their response: <c>fc_{response}_o2</c> is output item 2 of response <c>resp_{response}</c>
/// (<c>_i</c> for an input item). Clients such as the Vercel AI SDK refer back to earlier items by id alone
/// (<c>{"type":"item_reference","id":…}</c>); such an id says which stored response holds the item.
/// </summary>
public static class ResponseItemId
{
    private const string ResponsePrefix = "resp_";

    public static string Output(string responseId, string itemType, int index) => Make(responseId, itemType, "o", index);

    public static string Input(string responseId, string itemType, int index) => Make(responseId, itemType, "i", index);

    /// <summary>The id of the response holding item <paramref name="itemId"/>, or null when the id is not one of ours.</summary>
    public static string? ResponseOf(string itemId)
    {
        var parts = itemId.Split('_');
        return parts.Length == 3 && parts[1].Length > 0 ? ResponsePrefix + parts[1] : null;
    }

    private static string Make(string responseId, string itemType, string side, int index)
    {
        string prefix = itemType switch
        {
            ResponseItem.FunctionCall => "fc",
            ResponseItem.FunctionCallOutput => "fco",
            ResponseItem.Reasoning => "rs",
            _ => "msg",
        };
        string response = responseId.StartsWith(ResponsePrefix, StringComparison.Ordinal) ? responseId[ResponsePrefix.Length..] : responseId;
        return $"{prefix}_{response}_{side}{index}";
    }
}
