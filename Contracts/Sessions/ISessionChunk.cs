namespace Cluster.Contracts.Sessions;

/// <summary>
/// An item of a session grain's output stream. The first one names the silo that runs the session, so the gateway can
/// end the stream with an error as soon as that silo leaves the cluster, instead of waiting out a response timeout.
/// </summary>
public interface ISessionChunk
{
    /// <summary>The session's silo (Orleans' parsable silo address) on the first item; null on the rest. Never sent to clients.</summary>
    string? Host { get; }
}
