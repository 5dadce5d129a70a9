using Cluster.Gateway.Hosting;
using Grpc.Core;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// <c>grpc.health.v1.Health</c> answered from the replica registry: the overall service (<c>""</c>) and
/// <c>cluster.inference.v1.Inference</c> serve while any model has a live replica; a model name as the service
/// serves while that model has one, is NOT_SERVING when all its replicas are gone, and unknown otherwise.
/// </summary>
public sealed class ModelHealthService(ModelDirectory models) : Health.HealthBase
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = await StatusAsync(request.Service).ConfigureAwait(false);
        if (status == ServingStatus.ServiceUnknown)
            throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service or model '{request.Service}'."));
        return new HealthCheckResponse { Status = status };
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ServingStatus? last = null;
        using var timer = new PeriodicTimer(WatchInterval);
        do
        {
            var status = await StatusAsync(request.Service).ConfigureAwait(false);
            if (status != last) await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
            last = status;
        }
        while (await Tick(timer, context.CancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<ServingStatus> StatusAsync(string service)
    {
        Contracts.Models.CatalogView view;
        try
        {
            view = await models.ViewAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not connected to the cluster (yet).
            return service.Length == 0 || service == Inference.V1.Inference.Descriptor.FullName ? ServingStatus.NotServing : ServingStatus.ServiceUnknown;
        }
        if (service.Length == 0 || service == Inference.V1.Inference.Descriptor.FullName)
            return view.Live.Length > 0 ? ServingStatus.Serving : ServingStatus.NotServing;
        if (view.Of(service).Any()) return ServingStatus.Serving;
        return view.KnownModels.Contains(service, StringComparer.Ordinal) ? ServingStatus.NotServing : ServingStatus.ServiceUnknown;
    }
}
