using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.Console;

/// <summary>
/// The console's "last hour" charts (issue 22 point 9) in a real headless Chromium after demo-like traffic: nine imported
/// messages whose notifications carry no external id (so each costs the app one Front call). The counts are checked where
/// they are exact — this host's own minute rows in <c>FrontConsole</c> (other hosts of the test run write rows beside them) —
/// and on the page: the charts are drawn (uPlot canvases, under the console's strict CSP) and their totals show at least
/// those counts. The page is saved as a screenshot.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ConsoleChartsBrowserTests : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private RunningFrontSimulator _front = null!;
    private RunningLocalHost _host = null!;
    private HeadlessChromium _browser = null!;

    public ConsoleChartsBrowserTests(ITestOutputHelper output) => _output = output;

    private IWebDriver Page => _browser.Driver;

    public async Task InitializeAsync()
    {
        _front = await FrontSimulatorServer.StartAsync();
        _host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
            ["Metrics:ConsoleWriteInterval"] = "00:00:00.500",
            ["Metrics:QueueSampleInterval"] = "00:00:01",
        });
        _browser = HeadlessChromium.Start();
    }

    public async Task DisposeAsync()
    {
        _browser?.Dispose();
        await _host.DisposeAsync();
        await _front.DisposeAsync();
    }

    [Fact]
    public async Task After_demo_traffic_the_charts_show_the_last_hours_counts()
    {
        var channelId = TestStorage.NewChannelId();
        Assert.Equal(HttpStatusCode.OK, (await _host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channelId))).StatusCode);
        await _front.Control.CreateChannelAsync(channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(_host.BaseUrl, $"api/front/channels/{channelId}"));
        await _front.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false });
        for (var conversation = 1; conversation <= 3; conversation++)
        {
            for (var message = 1; message <= 3; message++)
            {
                await ImportAsync(channelId, $"chart-{conversation}-{message}", $"thread-{conversation}");
            }
        }

        // This host's own rows: exactly the nine notifications in and mapped, and a Front call for each mapped message.
        var instance = _host.Services.GetRequiredService<ConsoleStatsWriter>().Instance;
        await WaitAsync(async () => (await OwnTotalAsync(instance, nameof(MinuteSeries.Mapped))) == 9, "nine messages mapped in this host's minute rows");
        Assert.Equal(9, await OwnTotalAsync(instance, nameof(MinuteSeries.NotificationsIn)));
        Assert.True(await OwnTotalAsync(instance, ConsoleStatsRows.FrontCallsColumn) >= 9);

        // The API sums every instance's rows: at least this host's counts, minute by minute over the last hour.
        using var charts = JsonDocument.Parse(await GetAsync("api/console/charts"));
        var root = charts.RootElement;
        Assert.Equal(60, root.GetProperty("minutes").GetArrayLength());
        Assert.True(Total(root, "notifications_in") >= 9);
        Assert.True(Total(root, "messages_mapped") >= 9);
        Assert.True(Total(root, "front_calls") >= 9); // per company: the one the rate gate learned from the simulator's links
        Assert.Contains(root.GetProperty("series").EnumerateArray(), s => s.GetProperty("name").GetString() == "backlog"
            && s.GetProperty("queue").GetString() == StorageNames.IngestQueue && s.GetProperty("values").EnumerateArray().Any(v => v.ValueKind == JsonValueKind.Number));
        using (var channels = JsonDocument.Parse(await GetAsync("api/console/channels")))
        {
            var row = channels.RootElement.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel_id").GetString() == channelId);
            Assert.Equal(9, row.GetProperty("messages_mapped").GetInt32());
        }

        // The page draws the four charts (a uPlot canvas each) and writes their totals.
        Page.Navigate().GoToUrl(new Uri(_host.BaseUrl, "api/console"));
        var input = Page.FindElement(By.Id("key-input"));
        input.SendKeys(RunningLocalHost.FunctionKey);
        input.Submit();
        await _browser.WaitAsync(() => Count(Page.FindElement(By.Id("totals-traffic")).Text, "messages mapped") >= 9, "the mapped total under the chart");
        Assert.True(Count(Page.FindElement(By.Id("totals-traffic")).Text, "notifications in") >= 9);
        await _browser.WaitAsync(() => CallsOfEveryCompany(Page.FindElement(By.Id("totals-front")).Text) >= 9, "the Front calls total");
        foreach (var chart in new[] { "chart-traffic", "chart-front", "chart-backlog", "chart-age" })
        {
            var canvas = Page.FindElement(By.CssSelector($"#{chart} canvas"));
            Assert.True(canvas.Size.Width > 200 && canvas.Size.Height > 100, $"{chart} is drawn ({canvas.Size}).");
        }

        Assert.Contains("front-ingest now:", Page.FindElement(By.Id("totals-backlog")).Text, StringComparison.Ordinal);
        // No refresh failed: the state reads "Connected" again once a refresh in flight ("Connecting…") has answered.
        await _browser.WaitAsync(() => Page.FindElement(By.Id("key-state")).Text.StartsWith("Connected", StringComparison.Ordinal), "the key state Connected");
        ((IJavaScriptExecutor)Page).ExecuteScript("document.getElementById('charts-section').scrollIntoView();");
        _output.WriteLine("Screenshot: " + _browser.Screenshot("6-last-hour-charts"));
    }

    /// <summary>The number after "<paramref name="label"/>: " in a totals line (-1 when absent).</summary>
    private static int Count(string totals, string label)
    {
        var match = System.Text.RegularExpressions.Regex.Match(totals, System.Text.RegularExpressions.Regex.Escape(label) + @": (\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>The sum of the "calls &lt;company&gt;: N" figures in the Front totals line.</summary>
    private static int CallsOfEveryCompany(string totals) =>
        System.Text.RegularExpressions.Regex.Matches(totals, @"calls [^:·]+: (\d+)")
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static double Total(JsonElement charts, string name, string? company = null) =>
        charts.GetProperty("series").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() == name && (company is null || s.GetProperty("company").GetString() == company))
            .SelectMany(s => s.GetProperty("values").EnumerateArray())
            .Sum(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0);

    private static async Task<long> OwnTotalAsync(string instance, string column)
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.ConsoleTable);
        long sum = 0;
        var now = DateTimeOffset.UtcNow;
        foreach (var partition in new[] { now.AddHours(-1), now }.Select(t => ConsoleStatsRows.HourPartition(MinuteTally.MinuteOf(t))).Distinct())
        {
            try
            {
                await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
                {
                    if (row.RowKey.EndsWith("|" + instance, StringComparison.Ordinal))
                    {
                        sum += row.GetInt64(column) ?? 0;
                    }
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return sum;
    }

    private async Task<string> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task ImportAsync(string channelId, string externalId, string externalConversationId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await _front.Control.ImportInboundAsync(channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, externalId, externalConversationId, "Hello");
            if (result.StatusCode == 202)
            {
                return;
            }

            Assert.True(result.StatusCode == 429 && DateTime.UtcNow < until, $"Import of {externalId} answered {result.StatusCode}.");
            await Task.Delay(250);
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for {what}.");
            await Task.Delay(200);
        }
    }
}
