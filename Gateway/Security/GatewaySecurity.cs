namespace Cluster.Gateway.Security;

/// <summary>Registers the gateway's access control: the API keys (and the keys file's watcher) and CORS when configured.</summary>
public static class GatewaySecurity
{
    public static void AddGatewaySecurity(this WebApplicationBuilder builder, SecurityOptions security)
    {
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddHostedService<ApiKeysFileWatcher>();
        if (security.Cors is { } cors) builder.Services.AddCors(o => o.AddDefaultPolicy(cors.Apply));
    }

    /// <summary>CORS, when configured: before the API keys, since a browser's preflight carries no credentials.</summary>
    public static void UseGatewayCors(this WebApplication app)
    {
        if (app.Services.GetRequiredService<SecurityOptions>().Cors is not null) app.UseCors();
    }
}
