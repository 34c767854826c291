using System.Net;
using System.Text.Json;
using FrontFunctions.Enrichment;
using FrontFunctions.OperatorConsole;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Xunit.Abstractions;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Console;

/// <summary>
/// The operator console in a real headless Chromium, against the local host (real queue listener, Azurite) and the Front
/// simulator. Each state the issue names is checked on the rendered page and saved as a screenshot (paths printed).
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class OperatorConsoleBrowserTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private RunningFrontSimulator _front = null!;
    private RunningLocalHost _host = null!;
    private HeadlessChromium _browser = null!;

    public OperatorConsoleBrowserTests(ITestOutputHelper output) => _output = output;

    private IWebDriver Page => _browser.Driver;

    public async Task InitializeAsync()
    {
        _front = await FrontSimulatorServer.StartAsync();
        _host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        });
        _browser = HeadlessChromium.Start();
    }

    public async Task DisposeAsync()
    {
        _browser?.Dispose();
        await _host.DisposeAsync();
        await _front.DisposeAsync();
    }

    private void Screenshot(string name) => _output.WriteLine("Screenshot: " + _browser.Screenshot(name));

    private void OpenConsole() => Page.Navigate().GoToUrl(new Uri(_host.BaseUrl, "api/console"));

    private void EnterKey(string key)
    {
        var input = Page.FindElement(By.Id("key-input"));
        input.SendKeys(key);
        input.Submit();
    }

    private string KeyState => Page.FindElement(By.Id("key-state")).Text;

    /// <summary>A channel Front authorized (the app's channel row) and the simulator knows, with the app's secret.</summary>
    private async Task<string> NewChannelAsync()
    {
        var channelId = TestStorage.NewChannelId();
        var authorized = await _host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channelId));
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        await RegisterAsync(channelId, RunningLocalHost.AppSecret);
        return channelId;
    }

    private Task RegisterAsync(string channelId, string secret) =>
        _front.Control.CreateChannelAsync(channelId, RunningLocalHost.AppUid, secret, new Uri(_host.BaseUrl, $"api/front/channels/{channelId}"));

    /// <summary>A sync import, repeated while the simulator answers 429 (its burst limit, as Front's).</summary>
    private async Task<ImportResult> ImportAsync(string channelId, string externalId, string externalConversationId, string secret = RunningLocalHost.AppSecret)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await _front.Control.ImportInboundAsync(channelId, RunningLocalHost.AppUid, secret, externalId, externalConversationId, "Hello");
            if (result.StatusCode != 429 || DateTime.UtcNow > until)
            {
                return result;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Polls the lookup API until the external message id maps (200).</summary>
    private async Task<JsonElement> WaitMappedAsync(string channelId, string externalId, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(40));
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
            request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
            using var response = await _host.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            }

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.True(DateTime.UtcNow < until, $"{externalId} was not mapped within the deadline.");
            await Task.Delay(200);
        }
    }

    private IEnumerable<string> RequestedUrls() =>
        ((IJavaScriptExecutor)Page).ExecuteScript("return performance.getEntriesByType('resource').map(e => e.name);") is IEnumerable<object> names
            ? names.Select(n => n.ToString()!)
            : [];

    [Fact]
    public async Task Without_the_key_the_page_loads_no_data_and_a_wrong_key_is_refused()
    {
        OpenConsole();
        await _browser.WaitAsync(() => Page.FindElement(By.Id("key-input")).Displayed, "the key form");
        Assert.Contains("Enter the admin key", KeyState, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestedUrls(), url => url.Contains("/api/console/channels", StringComparison.Ordinal)
            || url.Contains("/api/console/pipeline", StringComparison.Ordinal) || url.Contains("/api/console/failures", StringComparison.Ordinal));
        Assert.Empty(Page.FindElements(By.CssSelector("#queues tbody tr, #channels tbody tr, #failures tbody tr")));

        // Without the key the data endpoints answer 401 to anyone (the page only ever asks with it).
        foreach (var path in new[] { "api/console/channels", "api/console/pipeline", "api/console/failures" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Http.GetAsync(path)).StatusCode);
        }

        EnterKey("not-the-key");
        await _browser.WaitAsync(() => KeyState.Contains("refused (401)", StringComparison.Ordinal), "the refusal");
        Assert.Empty(Page.FindElements(By.CssSelector("#queues tbody tr, #channels tbody tr, #failures tbody tr")));
        Assert.True(Page.FindElement(By.Id("key-input")).Displayed);
        Screenshot("1-wrong-key-refused");

        // The right key loads the data; it is in no URL, cookie or web storage.
        EnterKey(RunningLocalHost.FunctionKey);
        await _browser.WaitAsync(() => Page.FindElements(By.CssSelector("#queues tbody tr")).Count == 6, "the queue rows"); // ingest, import checks, outbound, each with its poison queue
        Assert.DoesNotContain(RunningLocalHost.FunctionKey, Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestedUrls(), url => url.Contains(RunningLocalHost.FunctionKey, StringComparison.Ordinal));
        var js = (IJavaScriptExecutor)Page;
        Assert.Equal("", js.ExecuteScript("return document.cookie;"));
        Assert.Equal(0L, js.ExecuteScript("return localStorage.length + sessionStorage.length;"));
        Assert.Empty(Page.Manage().Cookies.AllCookies);
    }

    [Fact]
    public async Task After_a_demo_sized_import_the_channel_shows_its_counts()
    {
        var channelId = await NewChannelAsync();
        // The demo's size: three conversations of three messages.
        var externalIds = new List<string>();
        for (var conversation = 1; conversation <= 3; conversation++)
        {
            for (var message = 1; message <= 3; message++)
            {
                var externalId = $"demo-{conversation}-{message}";
                Assert.Equal(202, (await ImportAsync(channelId, externalId, $"thread-{conversation}")).StatusCode);
                externalIds.Add(externalId);
            }
        }

        foreach (var externalId in externalIds)
        {
            await WaitMappedAsync(channelId, externalId);
        }

        OpenConsole();
        EnterKey(RunningLocalHost.FunctionKey);
        var row = By.CssSelector($"#channels tbody tr[data-channel='{channelId}']");
        await _browser.WaitAsync(() => Page.FindElements(row).Count == 1, "the channel row");
        var cells = HeadlessChromium.Read(() => Page.FindElement(row).FindElements(By.TagName("td")).Select(c => c.Text).ToList());
        Assert.Equal(channelId, cells[0]);
        Assert.Equal("Active", cells[1]);
        Assert.StartsWith("authorized ", cells[2], StringComparison.Ordinal);
        await _browser.WaitAsync(() => Page.FindElement(row).FindElement(By.CssSelector("td.messages-mapped")).Text == "9", "the channel's count (written every few seconds)");
        Assert.NotEqual("–", cells[4]);
        await _browser.WaitAsync(() => int.TryParse(Page.FindElement(By.Id("mapped-last-hour")).Text, out var n) && n >= 9, "mapped in the last hour");
        Assert.Matches(@"^\d+ of 100$", HeadlessChromium.Read(() => Page.FindElement(By.Id("budget-used")).Text));
        Screenshot("2-channel-after-demo-import");

        // "Re-queue all" asks first (in the page, not a browser dialog); cancelling sends nothing.
        Page.FindElement(By.Id("requeue-all")).Click();
        Assert.True(Page.FindElement(By.Id("requeue-all-yes")).Displayed);
        Page.FindElement(By.Id("requeue-all-no")).Click();
        Assert.False(Page.FindElement(By.Id("requeue-all-yes")).Displayed);
        Assert.DoesNotContain(RequestedUrls(), url => url.Contains("/api/console/requeue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_permanently_failing_message_shows_its_reason_leaves_the_list_on_requeue_and_maps_once_fixed()
    {
        // Front knows the channel under the app's previous secret: its webhooks still verify (rotation), but it refuses the
        // app's channel tokens, signed with the current secret: a permanent failure (401) as soon as the app must ask Front,
        // which it must because the notification carries no external id.
        var channelId = await NewChannelAsync();
        await RegisterAsync(channelId, RunningLocalHost.PreviousAppSecret);
        await _front.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false });
        Assert.Equal(202, (await ImportAsync(channelId, "will-fail-1", "thread-fail", RunningLocalHost.PreviousAppSecret)).StatusCode);

        OpenConsole();
        EnterKey(RunningLocalHost.FunctionKey);
        var failureRow = By.CssSelector($"#failures tbody tr[data-channel='{channelId}']");
        await _browser.WaitAsync(() => Page.FindElements(By.CssSelector($"#failures-channel option[value='{channelId}']")).Count == 1, "the channel in the filter");
        Page.FindElement(By.CssSelector($"#failures-channel option[value='{channelId}']")).Click();
        await _browser.WaitAsync(() => Page.FindElements(failureRow).Count == 1, "the failure row", TimeSpan.FromSeconds(40));
        var cells = HeadlessChromium.Read(() => Page.FindElement(failureRow).FindElements(By.TagName("td")).Select(c => c.Text).ToList());
        Assert.Equal(channelId, cells[0]);
        Assert.StartsWith("msg_", cells[1], StringComparison.Ordinal);
        Assert.Contains("401", cells[2], StringComparison.Ordinal);
        Assert.Equal("1", cells[3]);
        Assert.All(Page.FindElements(By.CssSelector("#failures tbody tr")), r => Assert.Equal(channelId, r.GetAttribute("data-channel")));
        Screenshot("3-failure-with-reason");

        // The cause is fixed (Front accepts the app's secret again); re-queue the one item from the page.
        await RegisterAsync(channelId, RunningLocalHost.AppSecret);
        Page.FindElement(failureRow).FindElement(By.CssSelector("button.requeue-one")).Click();
        await _browser.WaitAsync(() => Page.FindElements(failureRow).Count == 0, "the failure row to go");
        await _browser.WaitAsync(() => Page.FindElement(By.Id("requeue-result")).Text.StartsWith("Re-queued 1 message", StringComparison.Ordinal), "the re-queue answer");
        Assert.Contains("No poisoned deliveries for this channel", HeadlessChromium.Read(() => Page.FindElement(By.Id("failures-state")).Text), StringComparison.Ordinal);
        var mapped = await WaitMappedAsync(channelId, "will-fail-1");
        Assert.Equal(cells[1], mapped.GetProperty("message_id").GetString());

        // And the lookup form shows the map's answer for it.
        Page.FindElement(By.Id("lookup-channel")).Clear();
        Page.FindElement(By.Id("lookup-channel")).SendKeys(channelId);
        Page.FindElement(By.Id("lookup-id")).SendKeys("will-fail-1");
        Page.FindElement(By.CssSelector("#lookup-form button[type=submit]")).Click();
        await _browser.WaitAsync(() => Page.FindElement(By.Id("lookup-result")).Text.Contains(cells[1], StringComparison.Ordinal), "the lookup answer");
        await _browser.WaitAsync(() => Page.FindElement(By.CssSelector($"#channels tbody tr[data-channel='{channelId}'] td.messages-mapped")).Text == "1", "the channel's count");
        Assert.Equal(0, await FailuresOfAsync(channelId));
        Screenshot("4-requeued-and-mapped-after-the-fix");
    }

    [Fact]
    public async Task Hostile_external_ids_are_shown_as_text_and_run_nothing()
    {
        var channelId = await NewChannelAsync();
        const string img = "<img src=x onerror=alert(1)>";
        var hostile = (img + "\"'<script>alert(2)</script>😀 ").PadRight(200, 'x');
        const string hostileThread = "<script>alert(3)</script>\"'😀";
        Assert.Equal(202, (await ImportAsync(channelId, hostile, hostileThread)).StatusCode);
        await WaitMappedAsync(channelId, hostile);

        OpenConsole();
        EnterKey(RunningLocalHost.FunctionKey);
        await _browser.WaitAsync(() => Page.FindElements(By.CssSelector($"#channels tbody tr[data-channel='{channelId}']")).Count == 1, "the channel row");
        var js = (IJavaScriptExecutor)Page;
        Page.FindElement(By.Id("lookup-channel")).Clear();
        Page.FindElement(By.Id("lookup-channel")).SendKeys(channelId);
        // ChromeDriver types no emoji (outside the BMP): the value is set as text, which is what typing does.
        js.ExecuteScript("document.getElementById('lookup-id').value = arguments[0];", hostile);
        Page.FindElement(By.CssSelector("#lookup-form button[type=submit]")).Click();
        var result = By.Id("lookup-result");
        await _browser.WaitAsync(() => Page.FindElement(result).Text.Contains(img, StringComparison.Ordinal), "the hostile id as text");

        var text = (string)js.ExecuteScript("return document.getElementById('lookup-result').textContent;")!;
        using (var shown = JsonDocument.Parse(text))
        {
            Assert.Equal(hostile, shown.RootElement.GetProperty("external_id").GetString());
            Assert.Equal([hostileThread], shown.RootElement.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        }

        // A failure whose strings are hostile too (recorded through the app's own failure recorder), in the failures list.
        const string hostileMessageId = "<img src=x onerror=alert(4)>";
        await _host.Services.GetRequiredService<DeliveryFailures>().RecordAsync(
            channelId, "hostile-delivery", hostileMessageId, hostile, 2, "{}", permanent: true, CancellationToken.None);
        await _browser.WaitAsync(() => Page.FindElements(By.CssSelector($"#failures-channel option[value='{channelId}']")).Count == 1, "the channel in the filter");
        Page.FindElement(By.CssSelector($"#failures-channel option[value='{channelId}']")).Click();
        var failureRow = By.CssSelector($"#failures tbody tr[data-channel='{channelId}']");
        await _browser.WaitAsync(() => Page.FindElements(failureRow).Count == 1, "the hostile failure row");
        var cells = Page.FindElement(failureRow).FindElements(By.TagName("td")).ToList();
        Assert.Equal(hostileMessageId, cells[1].GetDomProperty("textContent"));
        Assert.Equal(hostile, cells[2].GetDomProperty("textContent"));

        Assert.Empty(Page.FindElements(By.TagName("img")));
        Assert.Empty(Page.FindElements(By.CssSelector("#failures td:not(:last-child) *")));
        Assert.Empty(Page.FindElements(By.CssSelector("#lookup-result *, #channels td *")));
        Assert.Equal(2L, js.ExecuteScript("return document.scripts.length;")); // uPlot and console.js only: nothing was injected
        Assert.Throws<NoAlertPresentException>(() => Page.SwitchTo().Alert());
        Screenshot("5-hostile-id-shown-as-text");
    }

    [Fact]
    public async Task Every_answer_of_the_console_carries_the_content_security_policy()
    {
        var paths = new[] { "api/console", "api/console/static/console.js", "api/console/static/console.css", "api/console/static/nothing.js" };
        foreach (var path in paths)
        {
            using var response = await _host.Http.GetAsync(path);
            AssertStrictCsp(response, path);
        }

        foreach (var path in new[] { "api/console/channels", "api/console/pipeline", "api/console/failures", "api/console/failures?channel_id=bad" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
            using var response = await _host.Http.SendAsync(request);
            AssertStrictCsp(response, path);
        }

        // Nothing inline for the policy to allow: the page loads its script and style sheet as files, and has no handlers.
        var html = await _host.Http.GetStringAsync("api/console");
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=|\sstyle\s*=|<style", html);
        var script = await _host.Http.GetStringAsync("api/console/static/console.js");
        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", script, StringComparison.Ordinal);
        Assert.DoesNotContain("document.write", script, StringComparison.Ordinal);

        // In the browser the page works under that policy (its script ran: the key form answers).
        OpenConsole();
        EnterKey(RunningLocalHost.FunctionKey);
        await _browser.WaitAsync(() => KeyState.StartsWith("Connected", StringComparison.Ordinal), "the connected state");
    }

    private static void AssertStrictCsp(HttpResponseMessage response, string path)
    {
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var values), $"{path} has no Content-Security-Policy.");
        var policy = Assert.Single(values);
        Assert.Equal(ConsoleResponse.ContentSecurityPolicy, policy);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    private async Task<int> FailuresOfAsync(string channelId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/console/failures?channel_id={channelId}");
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("failures").GetArrayLength();
    }
}
