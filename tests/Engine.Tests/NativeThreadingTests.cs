using System.Runtime.InteropServices;
using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Tests;

public class NativeThreadingTests
{
    /// <summary>
    /// OpenMP reads the wait policy with the C library's getenv, which on Unix does not see .NET's
    /// Environment.SetEnvironmentVariable: the engine must have written it natively, before libtorch loaded.
    /// </summary>
    [Fact]
    public void The_engine_sets_a_passive_OpenMP_wait_policy_natively_unless_the_user_chose_one()
    {
        string? native = Marshal.PtrToStringUTF8(GetNative(NativeThreading.WaitPolicyVariable));
        if (NativeThreading.AppliedWaitPolicy is null)
            Assert.Equal(Environment.GetEnvironmentVariable(NativeThreading.WaitPolicyVariable), native); // the user's own, kept
        else
            Assert.Equal("PASSIVE", native);
        // Passive workers sleep between steps, so torch may have every core; spinning ones get one fewer.
        int expected = string.Equals(native, "PASSIVE", StringComparison.OrdinalIgnoreCase) ? Environment.ProcessorCount : Math.Max(1, Environment.ProcessorCount - 1);
        Assert.Equal(expected, NativeThreading.DefaultThreads);
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetNative([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
