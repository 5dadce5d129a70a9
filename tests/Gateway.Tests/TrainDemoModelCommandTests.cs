using System.Text.Json.Nodes;
using Cluster.Gateway.Cli;

namespace Cluster.Gateway.Tests;

/// <summary><c>train-demo-model</c>'s flags: a checkpoint of the asked shape and tokenizer, or exit code 2 for a shape it cannot train.</summary>
public sealed class TrainDemoModelCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "train-demo-shape-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public void The_shape_flags_set_the_trained_checkpoints_config()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainDemoModelCommand.Run(["--output", _directory, "--steps", "1", "--copy-warmup-steps", "0", "--hidden-size", "96",
            "--heads", "3", "--layers", "3", "--intermediate-size", "160"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "config.json")))!;
        Assert.Equal(96, config["hidden_size"]!.GetValue<int>());
        Assert.Equal(3, config["num_attention_heads"]!.GetValue<int>());
        Assert.Equal(3, config["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(160, config["intermediate_size"]!.GetValue<int>());
        Assert.True(new FileInfo(Path.Combine(_directory, "model.safetensors")).Length > 0);
    }

    [Fact]
    public void Separate_words_trains_with_a_tokenizer_that_spells_a_word_the_same_after_a_space()
    {
        int code = TrainDemoModelCommand.Run(["--output", _directory, "--steps", "1", "--copy-warmup-steps", "0", "--separate-words"], new StringWriter(), new StringWriter());
        Assert.Equal(0, code);
        var tokenizerJson = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "tokenizer.json")))!;
        Assert.Equal(Cluster.Engine.TinyModels.TinyModelVocabulary.SeparateWordsPattern,
            tokenizerJson["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"]!.GetValue<string>());
        using var folder = Cluster.Engine.ModelFiles.ModelFolder.Load(_directory);
        var tokenizer = folder.Tokenizer;
        var bare = tokenizer.Encode("Amsterdam", allowSpecialTokens: false);
        var spaced = tokenizer.Encode(" Amsterdam", allowSpecialTokens: false);
        Assert.Equal(bare, spaced.Skip(spaced.Count - bare.Count));
        // Every token id the tokenizer gives has an embedding row.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "config.json")))!;
        Assert.Equal(tokenizerJson["model"]!["vocab"]!.AsObject().Count + tokenizerJson["added_tokens"]!.AsArray().Count, config["vocab_size"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("--hidden-size", "100", "--heads", "8")]
    [InlineData("--layers", "1", "--steps", "1")]
    public void A_shape_it_cannot_train_exits_with_2_and_says_why(string flag1, string value1, string flag2, string value2)
    {
        var stderr = new StringWriter();
        int code = TrainDemoModelCommand.Run(["--output", _directory, flag1, value1, flag2, value2, "--copy-warmup-steps", "0"], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.NotEmpty(stderr.ToString().Trim());
    }
}
