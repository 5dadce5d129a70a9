using System.Reflection;

namespace Cluster.Gateway.Playground;

/// <summary>
/// The browser playground at <c>/</c>: three static files embedded in the gateway (no build step, no CDN). The page
/// uses only the public API, with the API key the user types when the server has keys; the files themselves carry no
/// data and are open to everyone (see <c>ApiAccess</c>).
/// </summary>
public static class PlaygroundPage
{
    /// <summary>The routes the page is served at; they need no API key.</summary>
    public static readonly IReadOnlySet<string> Routes = new HashSet<string>(StringComparer.Ordinal) { "/", "/playground.js", "/playground.css" };

    public static IEndpointRouteBuilder MapPlayground(this IEndpointRouteBuilder app)
    {
        // Read once: the files never change while the gateway runs.
        string html = Read("index.html"), script = Read("playground.js"), style = Read("playground.css");
        app.MapGet("/", () => Results.Text(html, "text/html; charset=utf-8"));
        app.MapGet("/playground.js", () => Results.Text(script, "text/javascript; charset=utf-8"));
        app.MapGet("/playground.css", () => Results.Text(style, "text/css; charset=utf-8"));
        return app;
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Cluster.Gateway.Playground." + name)
            ?? throw new InvalidOperationException($"The playground's {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
