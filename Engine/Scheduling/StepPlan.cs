using Cluster.Engine.Models;

namespace Cluster.Engine.Scheduling;

/// <summary>One step's work: the forward batch, how far each sequence advances, and which rows are sampled.</summary>
internal sealed record StepPlan(ForwardBatch Batch, IReadOnlyList<(Sequence Sequence, int Tokens)> Advances, IReadOnlyList<Sequence> Sampled);
