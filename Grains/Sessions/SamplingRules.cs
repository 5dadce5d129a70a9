using Cluster.Contracts.Generation;
using Cluster.Contracts.Requests;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>Checks of a request's sampling fields that need the model (its vocabulary), shared by both endpoints.</summary>
internal static class SamplingRules
{
    /// <exception cref="RequestRejectedException">A <c>logit_bias</c> key is not a token id of this model's vocabulary.</exception>
    public static void Check(ModelFrontend model, SamplingOptions sampling)
    {
        int vocabulary = model.Folder.Config.VocabSize;
        foreach (int id in sampling.LogitBias?.Keys ?? Enumerable.Empty<int>())
            if (id < 0 || id >= vocabulary)
                throw RequestRejection.Invalid("logit_bias", $"Invalid key in 'logit_bias': {id} is not a token id of this model's vocabulary (0 to {vocabulary - 1}).").ToException();
    }
}
