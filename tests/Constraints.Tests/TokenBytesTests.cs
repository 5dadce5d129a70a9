using System.Text;

namespace Cluster.Constraints.Tests;

public sealed class TokenBytesTests
{
    [Theory]
    [InlineData("Ġthe", " the")]
    [InlineData("ĊĠĠ", "\n  ")]
    [InlineData("{\"", "{\"")]
    [InlineData("<tool_call>", "<tool_call>")]
    public void ByteLevelPiecesMapBackToTheirBytes(string piece, string text) =>
        Assert.Equal(Encoding.UTF8.GetBytes(text), TokenBytes.FromByteLevelPiece(piece));

    [Fact]
    public void ByteLevelPieceCanHoldHalfACharacter()
    {
        // "é" is C3 A9; GPT-2's alphabet spells C3 as Ã and A9 as ©.
        Assert.Equal(new byte[] { 0xC3 }, TokenBytes.FromByteLevelPiece("Ã"));
        Assert.Equal(new byte[] { 0xA9 }, TokenBytes.FromByteLevelPiece("©"));
    }

    [Theory]
    [InlineData("▁the", " the")]
    [InlineData("▁▁x", "  x")]
    [InlineData("é", "é")]
    public void SentencePiecesTurnTheWordMarkerIntoASpace(string piece, string text) =>
        Assert.Equal(Encoding.UTF8.GetBytes(text), TokenBytes.FromSentencePiece(piece));

    [Fact]
    public void SentencePieceByteFallbackIsOneRawByte()
    {
        Assert.Equal(new byte[] { 0xE4 }, TokenBytes.FromSentencePiece("<0xE4>"));
        Assert.Equal(new byte[] { 0x0A }, TokenBytes.FromSentencePiece("<0x0A>"));
        Assert.Equal(Encoding.UTF8.GetBytes("<0xZZ>"), TokenBytes.FromSentencePiece("<0xZZ>"));
    }
}
