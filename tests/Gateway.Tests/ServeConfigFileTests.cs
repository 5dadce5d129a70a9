using Cluster.Gateway.Cli;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Tests;

public sealed class ServeConfigFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("serve-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Yaml_and_json_files_give_the_same_settings_with_paths_relative_to_the_file()
    {
        var yaml = ServeConfigFile.Load(Write("model.yaml", """
            # kept in version control
            model: ./weights/qwen
            served_model_name: qwen
            tool-call-parser: ./formats/my_model.json
            max_model_len: 4096
            enable_auto_tool_choice: true
            reasoning_parser: ~
            """));
        var json = ServeConfigFile.Load(Write("model.json", """
            {"model": "./weights/qwen", "served_model_name": "qwen", "tool_call_parser": "./formats/my_model.json",
             "max_model_len": 4096, "enable_auto_tool_choice": true, "reasoning_parser": null}
            """));
        Assert.Equal(yaml, json);
        Assert.Equal(Path.Combine(_directory, "weights", "qwen"), yaml["--model"]);
        Assert.Equal(Path.Combine(_directory, "formats", "my_model.json"), yaml["--tool-call-parser"]);
        Assert.Equal("4096", yaml["--max-model-len"]);
        Assert.False(yaml.ContainsKey("--reasoning-parser"));
    }

    [Fact]
    public void Command_line_flags_win_over_the_file_and_unknown_settings_are_refused()
    {
        var file = ServeConfigFile.Load(Write("c.yaml", "port: 9000\nhost: 0.0.0.0\n"));
        var flags = CommandLine.Parse(["--port", "8100"], ServeCommand.Options).WithDefaults(file, ServeCommand.Options);
        Assert.Equal("8100", flags.Get("--port"));
        Assert.Equal("0.0.0.0", flags.Get("--host"));

        var bad = ServeConfigFile.Load(Write("bad.yaml", "tool_parser: hermes\n"));
        var error = Assert.Throws<ArgumentException>(() => CommandLine.Parse([], ServeCommand.Options).WithDefaults(bad, ServeCommand.Options));
        Assert.Contains("tool-parser", error.Message);
    }
}
