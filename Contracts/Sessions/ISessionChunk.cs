namespace Cluster.Contracts.Sessions;

/// <summary>
/// An item of a session grain's output stream. The first item of every such stream is a header that carries only
/// <see cref="Host"/>, sent before any work: it names the silo running the session, so the gateway can end the request
/// with an error as soon as that silo leaves the cluster instead of waiting out a response timeout. A session repeats
/// its header as a keep-alive while its output is silent (waiting for its first token behind a queue or a long
/// prefill), so that the gateway's inactivity watchdog measures whether the session is alive rather than how long the
/// queue is. Gateways never forward headers to clients.
/// </summary>
public interface ISessionChunk
{
    /// <summary>The session's silo (Orleans' parsable silo address) on the header; null on every other item.</summary>
    string? Host { get; }
}
