using Cluster.Gateway.Cli;
using Cluster.Silo.Cli;

namespace Cluster.Deploy.Tests;

/// <summary>The images' build and run instructions, checked without a container runtime (CI has none).</summary>
public sealed class DockerfileTests
{
    [Fact]
    public void The_silo_image_runs_the_silo_with_flags_it_accepts_and_exposes_their_ports()
    {
        var file = Dockerfile.Load("silo.Dockerfile");
        Assert.Equal(["dotnet", "/app/Cluster.Silo.dll"], file.ExecForm("ENTRYPOINT"));
        var flags = CommandLine.Parse(file.ExecForm("CMD"), ManifestInvariantTests.SiloOptions);
        Assert.Equal(
            new[] { flags.GetInt("--health-port"), flags.GetInt("--silo-port"), flags.GetInt("--gateway-port") }.Select(p => p.ToString()).Order(),
            Exposed(file).Order());
        Assert.Contains($"/dev/tcp/127.0.0.1/{flags.GetInt("--health-port")}", file.HealthCheckCommand);
        Assert.Contains("/health", file.HealthCheckCommand);
    }

    [Fact]
    public void The_gateway_image_runs_the_gateway_command_with_flags_it_accepts()
    {
        var file = Dockerfile.Load("gateway.Dockerfile");
        Assert.Equal(["dotnet", "/app/Cluster.Gateway.dll", "gateway"], file.ExecForm("ENTRYPOINT"));
        var flags = CommandLine.Parse(file.ExecForm("CMD"), GatewayCommand.Options);
        Assert.Equal([flags.GetInt("--port")!.Value.ToString()], Exposed(file));
        Assert.Contains($"/dev/tcp/127.0.0.1/{flags.GetInt("--port")}", file.HealthCheckCommand);
    }

    [Theory]
    [InlineData("silo.Dockerfile")]
    [InlineData("gateway.Dockerfile")]
    public void Images_are_multi_stage_non_root_labelled_and_ship_no_sdk(string name)
    {
        var file = Dockerfile.Load(name);
        var final = file.FinalStage.ToList();
        Assert.Contains(file.Lines, l => l.Instruction == "FROM" && l.Value.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal) && l.Value.EndsWith(" AS build", StringComparison.Ordinal));
        Assert.DoesNotContain(final, l => l.Value.Contains("dotnet/sdk", StringComparison.Ordinal));
        Assert.Contains(final, l => l.Instruction == "COPY" && l.Value.StartsWith("--from=build ", StringComparison.Ordinal));
        var user = final.Last(l => l.Instruction == "USER").Value;
        Assert.DoesNotMatch("^(root|0)(:.*)?$", user);
        foreach (string label in new[] { "title", "description", "version", "revision", "source", "licenses" })
            Assert.Contains(final, l => l.Instruction == "LABEL" && l.Value.Contains($"org.opencontainers.image.{label}=", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Repository.Images, name + ".dockerignore")), "no .dockerignore: bin/obj folders would enter the build context");
    }

    [Fact]
    public void The_silo_image_picks_the_torch_backend_and_base_by_build_argument()
    {
        var file = Dockerfile.Load("silo.Dockerfile");
        Assert.Contains(file.Lines, l => l.Instruction == "ARG" && l.Value == "TORCH_BACKEND=cpu");
        Assert.Contains(file.Lines, l => l.Instruction == "RUN" && l.Value.Contains("-p:TorchBackend=${TORCH_BACKEND}", StringComparison.Ordinal));
        Assert.Contains(file.Lines, l => l.Instruction == "FROM" && l.Value.EndsWith("AS runtime-cpu", StringComparison.Ordinal));
        Assert.Contains(file.Lines, l => l.Instruction == "FROM" && l.Value.StartsWith("${CUDA_IMAGE}", StringComparison.Ordinal) && l.Value.EndsWith("AS runtime-cuda", StringComparison.Ordinal));
        Assert.Contains(file.Lines, l => l.Instruction == "ARG" && l.Value.StartsWith("CUDA_IMAGE=nvidia/cuda:", StringComparison.Ordinal));
        Assert.Equal("runtime-${TORCH_BACKEND} AS final", file.FinalStage.First().Value);
    }

    private static List<string> Exposed(Dockerfile file) =>
        [.. file.FinalStage.Where(l => l.Instruction == "EXPOSE").SelectMany(l => l.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
}
