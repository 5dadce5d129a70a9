using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cluster.Engine.Scheduling;

/// <summary>
/// The OpenMP settings libtorch's CPU kernels run under, fixed before libtorch loads. OpenMP reads
/// <c>OMP_WAIT_POLICY</c> once, when its runtime initializes; its default (active) makes every idle worker spin for a
/// while after each parallel region, which on a machine shared with Kestrel, Orleans and the grains (and with the
/// engine's own SIMD decode workers) burns the cores those threads need. PASSIVE workers sleep instead.
/// </summary>
public static partial class NativeThreading
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>What this process set the wait policy to (null: the user's own setting was kept).</summary>
    public static string? AppliedWaitPolicy { get; private set; }

    /// <summary>
    /// Runs when the engine assembly is first touched, which is before anything can reach libtorch through it:
    /// later (the engine's start, say) would be too late, the runtime may already have read the variable.
    /// </summary>
#pragma warning disable CA2255 // A module initializer is the one hook guaranteed to run before the engine's first libtorch call.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void SetWaitPolicyBeforeLibtorchLoads()
    {
        if (Environment.GetEnvironmentVariable(WaitPolicyVariable) is { Length: > 0 }) return;
        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        // .NET keeps its own copy of the environment on Unix: native getenv (OpenMP's) sees only what setenv wrote.
        if (!OperatingSystem.IsWindows() && SetNative(WaitPolicyVariable, "PASSIVE", overwrite: 0) != 0) return;
        AppliedWaitPolicy = "PASSIVE";
    }

    /// <summary>
    /// Default torch thread count: every core while the workers wait passively, since sleeping workers leave the cores
    /// to the HTTP and Orleans threads between steps. A user who chose spinning workers (another wait policy) gets one
    /// core fewer, as before, because spinning workers starve those threads.
    /// </summary>
    public static int DefaultThreads =>
        string.Equals(Environment.GetEnvironmentVariable(WaitPolicyVariable), "PASSIVE", StringComparison.OrdinalIgnoreCase)
            ? Environment.ProcessorCount
            : Math.Max(1, Environment.ProcessorCount - 1);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);
}
