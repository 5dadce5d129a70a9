using System.Net;
using Cluster.Gateway.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cluster.Gateway.Grpc;

/// <summary>
/// Wires the gRPC API into the gateway: an HTTP/2-only (cleartext, prior knowledge) Kestrel endpoint on
/// <see cref="GatewayOptions.GrpcPort"/>, the <c>Inference</c> service, <c>grpc.health.v1.Health</c> and server reflection.
/// </summary>
public static class GrpcHosting
{
    /// <summary>Adds the gRPC listener and services when <see cref="GatewayOptions.GrpcPort"/> is not 0.</summary>
    public static void AddClusterGrpc(this WebApplicationBuilder builder, GatewayOptions gateway, IPAddress address)
    {
        var endpoint = new GrpcEndpoint();
        builder.Services.AddSingleton(endpoint);
        if (gateway.GrpcPort == 0) return;
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, gateway.GrpcPort == GatewayOptions.AnyFreePort ? 0 : gateway.GrpcPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            endpoint.Listen = listen;
        }));
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<GrpcErrorInterceptor>();
            o.Interceptors.Add<GrpcAccessInterceptor>();
            if (gateway.LogRequests) o.Interceptors.Add<GrpcRequestLog>();
            // No catch-all routes for unknown gRPC services: they would shadow REST's 405s (PUT /v1/completions).
            o.IgnoreUnknownServices = true;
            o.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, gateway.MaxRequestBodyBytes);
        });
        builder.Services.AddGrpcReflection();
    }

    public static void MapClusterGrpc(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value.GrpcPort == 0) return;
        app.MapGrpcService<InferenceService>();
        app.MapGrpcService<ModelHealthService>();
        app.MapGrpcReflectionService();
    }
}

/// <summary>Where the gRPC API listens, once the server has started (null when it is disabled).</summary>
public sealed class GrpcEndpoint
{
    internal ListenOptions? Listen { get; set; }

    /// <summary><c>http://host:port</c> of the HTTP/2 endpoint; the bound port when a free one was picked.</summary>
    public Uri? Address => Listen?.IPEndPoint is { } ip ? new Uri($"http://{(ip.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : ip.Address)}:{ip.Port}") : null;
}
