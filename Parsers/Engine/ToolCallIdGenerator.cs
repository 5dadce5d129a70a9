namespace Cluster.Parsers.Engine;

/// <summary>Makes call ids: OpenAI style (<c>call_</c> + 24 alphanumerics) or Mistral's 9 alphanumerics.
/// Seeded generators repeat their sequence, which keeps tests and replays stable.</summary>
internal sealed class ToolCallIdGenerator(string style, int? seed)
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly Random _random = seed is int s ? new Random(s) : Random.Shared;

    public string Next()
    {
        var mistral = style == "mistral";
        var length = mistral ? 9 : 24;
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[_random.Next(Alphabet.Length)];
        }
        return mistral ? new string(chars) : string.Concat("call_", chars);
    }
}
