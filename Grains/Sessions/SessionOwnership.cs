using System.Security.Cryptography;
using System.Text;
using Cluster.Contracts.Sessions;

namespace Cluster.Grains.Sessions;

/// <summary>
/// The one rule for who may use a stateful session. A session belongs to the API key whose request created it
/// (<see cref="SessionState.Owner"/>, the key's hash); any other key is told the session does not exist. A caller
/// without a key (the gateway has API keys off) may use every session. A session created while keys were off has no
/// owner and stays hidden from every key, since any of them could otherwise read a history that was never theirs.
/// </summary>
internal static class SessionOwnership
{
    /// <summary>Whether anything of the session exists: a stored turn, or a claim by the request running its first turn.</summary>
    public static bool Exists(SessionState state) => state.Owner is not null || state.Model is not null || state.Messages.Count > 0;

    /// <summary>Whether <paramref name="caller"/> may read or delete the session: it exists and is the caller's.</summary>
    public static bool Visible(SessionState state, string? caller) => Exists(state) && (caller is null || SameKey(state.Owner, caller));

    /// <summary>
    /// Whether <paramref name="caller"/> may run a turn on the session; a session that does not exist yet becomes the
    /// caller's now (in memory, persisted with the turn's record), so that a concurrent request of another key is refused
    /// as a stranger rather than as a busy session.
    /// </summary>
    public static bool TryUse(SessionState state, string? caller)
    {
        if (caller is null) return true;
        if (!Exists(state))
        {
            state.Owner = caller;
            return true;
        }
        return SameKey(state.Owner, caller);
    }

    private static bool SameKey(string? owner, string caller) =>
        owner is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(owner), Encoding.ASCII.GetBytes(caller));
}
