using System.Diagnostics;

namespace Cluster.Gateway.Tests;

/// <summary>Installs npm packages once into a temporary folder for tests that drive the server from Node.js clients.</summary>
internal static class NpmPackages
{
    /// <summary>
    /// The folder holding <paramref name="packages"/> (installed if <paramref name="marker"/>, a file under
    /// node_modules, is missing), or why they cannot be had.
    /// </summary>
    public static (string? Folder, string? Problem) Install(string folderName, string marker, string packages)
    {
        string folder = Path.Combine(Path.GetTempPath(), folderName);
        if (File.Exists(Path.Combine(folder, "node_modules", marker))) return (folder, null);
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "package.json"), $$"""{"name": "{{folderName}}", "private": true, "type": "module"}""");
            var npm = Process.Start(new ProcessStartInfo("npm", "install --no-audit --no-fund " + packages)
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            string error = npm.StandardError.ReadToEnd();
            npm.StandardOutput.ReadToEnd();
            if (!npm.WaitForExit(TimeSpan.FromMinutes(3))) { npm.Kill(); return (null, "npm install timed out"); }
            return npm.ExitCode == 0 ? (folder, null) : (null, $"npm install {packages} failed: " + error.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, "node/npm not available: " + e.Message);
        }
    }
}
