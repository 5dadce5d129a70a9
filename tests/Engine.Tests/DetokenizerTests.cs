using System.Text;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.Tests;

public class DetokenizerTests
{
    private static readonly string[] MultiByteTexts =
    [
        "café crème brûlée",
        "你好，世界。今天天气很好",
        "party 🎉 rocket 🚀 thumbs 👍🏽 family 👨‍👩‍👧",
        "Ελληνικά, русский, العربية, עברית",
        "mixed ascii and 中文 and emoji 🎉 at the end 🎉",
    ];

    [Fact]
    public void Byte_tokens_split_inside_every_character_stream_without_replacement_characters()
    {
        var tokenizer = TinyModels.Tokenizer;
        foreach (var text in MultiByteTexts)
        {
            // One token per byte: every multi-byte character is split at every one of its inner boundaries.
            var ids = Encoding.UTF8.GetBytes(text).Select(b => ByteToken(tokenizer, b)).ToList();
            AssertStreamsLikeDecode(tokenizer, ids, text);
        }
    }

    [Fact]
    public void Random_token_boundaries_stream_like_decode()
    {
        var tokenizer = TinyModels.Tokenizer;
        var random = new Random(1234);
        foreach (var text in MultiByteTexts)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            for (var trial = 0; trial < 100; trial++)
            {
                var ids = new List<int>();
                var position = 0;
                while (position < bytes.Length)
                {
                    var length = Math.Min(random.Next(1, 5), bytes.Length - position);
                    var piece = ByteLevelAlphabet.Encode(bytes.AsSpan(position, length));
                    if (tokenizer.TokenToId(piece) is { } id)
                    {
                        ids.Add(id);
                    }
                    else
                    {
                        ids.AddRange(bytes.Skip(position).Take(length).Select(b => ByteToken(tokenizer, b)));
                    }
                    position += length;
                }
                AssertStreamsLikeDecode(tokenizer, ids, text);
            }
        }
    }

    [Fact]
    public void Encoded_text_streams_like_decode()
    {
        var tokenizer = TinyModels.Tokenizer;
        foreach (var text in MultiByteTexts.Concat(TokenizerTests.SampleTexts))
        {
            var normalized = text.Normalize(NormalizationForm.FormC);
            AssertStreamsLikeDecode(tokenizer, tokenizer.Encode(normalized, allowSpecialTokens: false), normalized);
        }
    }

    [Fact]
    public void Special_tokens_are_skipped_or_kept_as_asked()
    {
        var tokenizer = TinyModels.Tokenizer;
        var ids = tokenizer.Encode("<think>\nhmm</think>answer<|im_end|>", allowSpecialTokens: true);

        Assert.Equal("<think>\nhmm</think>answer", Stream(new IncrementalDetokenizer(tokenizer, skipSpecialTokens: true), ids));
        Assert.Equal("<think>\nhmm</think>answer<|im_end|>", Stream(new IncrementalDetokenizer(tokenizer, skipSpecialTokens: false), ids));
    }

    [Fact]
    public void Incomplete_character_at_the_end_becomes_one_replacement_character()
    {
        var tokenizer = TinyModels.Tokenizer;
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        Assert.Equal("a", detokenizer.Append(ByteToken(tokenizer, (byte)'a')));
        Assert.Equal("", detokenizer.Append(ByteToken(tokenizer, 0xF0)));
        Assert.Equal("", detokenizer.Append(ByteToken(tokenizer, 0x9F)));
        Assert.Equal("\uFFFD", detokenizer.Flush());
        Assert.Equal("a\uFFFD", tokenizer.Decode([ByteToken(tokenizer, (byte)'a'), ByteToken(tokenizer, 0xF0), ByteToken(tokenizer, 0x9F)], false));
    }

    [Fact]
    public void Invalid_bytes_are_replaced_as_decode_replaces_them()
    {
        var tokenizer = TinyModels.Tokenizer;
        // A stray continuation byte, a truncated sequence followed by ASCII, and an overlong encoding.
        byte[] bytes = [0x80, (byte)'x', 0xE4, 0xB8, (byte)'y', 0xC0, 0xAF, (byte)'z'];
        var ids = bytes.Select(b => ByteToken(tokenizer, b)).ToList();
        var streamed = Stream(new IncrementalDetokenizer(tokenizer), ids);
        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens: true), streamed);
        Assert.Contains("x", streamed);
        Assert.EndsWith("z", streamed);
    }

    [Fact]
    public void SentencePiece_byte_fallback_streams_whole_characters()
    {
        using var dir = new TemporaryDirectory();
        var tokenizer = HfTokenizer.Load(TokenizerFixtures.WriteSentencePiece(dir.Path));
        var ids = tokenizer.Encode("hello 中 world", allowSpecialTokens: false);
        var detokenizer = new IncrementalDetokenizer(tokenizer);

        var deltas = ids.Select(detokenizer.Append).ToList();
        deltas.Add(detokenizer.Flush());

        // "▁hello" loses the prefix space the normalizer added, as the decoder's Strip does.
        Assert.Equal(["hello", " ", "", "", "中", " world", ""], deltas);
        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens: true), string.Concat(deltas));
    }

    [Fact]
    public void Held_back_bytes_allocate_nothing()
    {
        var tokenizer = TinyModels.Tokenizer;
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        var lead = ByteToken(tokenizer, 0xE4);
        var middle = ByteToken(tokenizer, 0xB8);
        var last = ByteToken(tokenizer, 0xAD);
        // Warm up (JIT, tiering) on complete characters first.
        for (var i = 0; i < 100; i++)
        {
            detokenizer.Append(lead);
            detokenizer.Append(middle);
            detokenizer.Append(last);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var first = detokenizer.Append(lead);
        var second = detokenizer.Append(middle);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(("", ""), (first, second));
        Assert.Equal(0, allocated);
    }

    private static void AssertStreamsLikeDecode(HfTokenizer tokenizer, IReadOnlyList<int> ids, string expected)
    {
        var detokenizer = new IncrementalDetokenizer(tokenizer, skipSpecialTokens: false);
        var builder = new StringBuilder();
        foreach (var id in ids)
        {
            var delta = detokenizer.Append(id);
            Assert.DoesNotContain('\uFFFD', delta);
            builder.Append(delta);
        }
        builder.Append(detokenizer.Flush());
        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens: false), builder.ToString());
        Assert.Equal(expected, builder.ToString());
    }

    private static string Stream(IncrementalDetokenizer detokenizer, IEnumerable<int> ids) =>
        string.Concat(ids.Select(detokenizer.Append)) + detokenizer.Flush();

    private static int ByteToken(HfTokenizer tokenizer, byte value) =>
        tokenizer.TokenToId(ByteLevelAlphabet.ToChar(value).ToString())!.Value;
}
