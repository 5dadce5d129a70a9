using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Cluster.Grains.Sessions;

/// <summary>
/// The session grains' instruments, created once per host's <see cref="IMeterFactory"/> (not once per activation: a
/// stateless request is an activation of its own), so that each host, a test's co-hosted cluster included, reads its own.
/// </summary>
internal sealed class SessionMetrics
{
    public const string MeterName = "Cluster.Sessions";

    public const string PromptTokensReusedName = "cluster.session.prompt_tokens_reused";

    private static readonly ConditionalWeakTable<IMeterFactory, SessionMetrics> ByFactory = new();

    private SessionMetrics(IMeterFactory factory) =>
        PromptTokensReused = factory.Create(MeterName).CreateCounter<long>(PromptTokensReusedName, "{token}",
            "Prompt tokens a stateful session's turn took from its previous turn's tokenization instead of tokenizing them again.");

    /// <summary>Tagged <c>model</c>.</summary>
    public Counter<long> PromptTokensReused { get; }

    public static SessionMetrics For(IMeterFactory factory) => ByFactory.GetValue(factory, f => new SessionMetrics(f));
}
