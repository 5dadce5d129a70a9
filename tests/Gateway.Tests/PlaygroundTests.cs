using System.Net;
using System.Text.Json.Nodes;
using Cluster.Training;

namespace Cluster.Gateway.Tests;

/// <summary>
/// The playground in a real browser (Debian's chromium driven by <c>playwright-core</c>) against the demo model:
/// load the page, ask about the weather, watch the tool call stream in with the parser's verdict and the raw model
/// text, type a result, and read the answer that follows it. The screenshot lands in the test output folder.
/// </summary>
[Collection(nameof(DemoClusterCollection))]
public sealed class PlaygroundBrowserTests(DemoClusterFixture demo)
{
    private const string Script = """
        import { chromium } from "playwright-core";
        const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox"], headless: true });
        try {
          const page = await browser.newPage({ viewport: { width: 1440, height: 820 } });
          await page.goto(process.env.BASE_URL);
          await page.waitForFunction(() => document.querySelector("#model").options.length > 0);
          await page.selectOption("#model", process.env.MODEL);
          await page.evaluate(() => {
            // Every text the arguments box was given, read off the mutation records rather than the live DOM: when
            // several chunks arrive in one network read the observer is called once for all of them.
            window.argumentStates = new Set();
            new MutationObserver(records => records
                .filter(r => r.target instanceof Element && r.target.matches(".tool-call .arguments"))
                .forEach(r => r.addedNodes.forEach(n => window.argumentStates.add(n.textContent))))
              .observe(document.body, { subtree: true, childList: true });
          });
          await page.fill("#input", "What is the weather in Paris?");
          await page.click("#send");
          const card = page.locator(".tool-call").first();
          await card.locator(".status.ok, .status.repaired").waitFor({ timeout: 60000 });
          await page.waitForFunction(() => document.querySelector("#raw").textContent.includes("<tool_call>"), null, { timeout: 30000 });
          const call = { name: await card.getAttribute("data-name"), arguments: await card.locator(".arguments").textContent(),
                         status: await card.locator(".status").textContent(), states: await page.evaluate(() => window.argumentStates.size) };
          const raw = await page.textContent("#raw");
          await page.fill(".tool-result input", JSON.stringify({ city: "Paris", temperature: 18, unit: "celsius", condition: "sunny" }));
          await page.click("#send-results");
          await page.waitForFunction(() => {
            const replies = [...document.querySelectorAll(".message.assistant .content")];
            return replies.length >= 2 && replies[replies.length - 1].textContent.length > 0 && !document.querySelector("#send").disabled;
          }, null, { timeout: 60000 });
          const answer = await page.evaluate(() => [...document.querySelectorAll(".message.assistant .content")].pop().textContent);
          await page.screenshot({ path: process.env.SCREENSHOT });
          console.log(JSON.stringify({ call, raw, answer }));
        } finally {
          await browser.close();
        }
        """;

    [BrowserFact]
    public async Task The_page_streams_a_tool_call_from_demo_and_answers_after_the_typed_result()
    {
        string screenshot = Path.Combine(AppContext.BaseDirectory, "playground.png");
        File.Delete(screenshot);
        var result = await NodeScript.RunAsync(BrowserFactAttribute.Folder!, "playground.mjs", Script, ("BASE_URL", demo.Cluster.BaseAddress.ToString()),
            ("MODEL", DemoModelLocation.ServedName), ("CHROMIUM", BrowserFactAttribute.Chromium), ("SCREENSHOT", screenshot));
        var call = result["call"]!;
        Assert.Equal("get_weather", call["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(call["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
        Assert.Equal("ok", call["status"]!.GetValue<string>());
        Assert.True(call["states"]!.GetValue<int>() > 2, "the arguments were shown as they streamed, not all at once");
        Assert.Contains("<tool_call>", result["raw"]!.GetValue<string>());
        Assert.Contains("get_weather", result["raw"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(result["answer"]!.GetValue<string>()), "an answer followed the tool result");
        Assert.True(new FileInfo(screenshot).Length > 10_000, "a screenshot was taken");
    }
}

/// <summary>The page's files need no API key; the API behind it still does.</summary>
[Collection(nameof(SecuredClusterCollection))]
public sealed class PlaygroundAccessTests(SecuredClusterFixture cluster)
{
    [Fact]
    public async Task The_page_loads_without_a_key_while_the_api_needs_one()
    {
        foreach (var (path, type) in new[] { ("/", "text/html"), ("/playground.js", "text/javascript"), ("/playground.css", "text/css") })
        {
            using var response = await cluster.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Contains("/v1/chat/completions", await cluster.Http.GetStringAsync("/playground.js"));
        using var models = await cluster.Http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
    }
}

/// <summary>A fact that needs Debian's chromium and the <c>playwright-core</c> npm package; skipped, saying why, without them.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    private static readonly Lazy<(string? Folder, string? Problem)> Install = new(() => NpmPackages.Install("cluster-tests-npm-playwright", "playwright-core/package.json", "playwright-core@1"));

    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium)) Skip = $"{Chromium} is not installed (apt-get install chromium)";
        else if (Install.Value.Problem is { } problem) Skip = problem;
    }

    public static string? Folder => Install.Value.Folder;
}
