using System.Net;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Tests.Integration.LocalHost;

/// <summary>
/// The local host's log, with host.json's filter applied as the Functions host applies it: framework categories only from
/// Warning up, the app's own lines at Information — one per webhook — and never the function key of a <c>?code=</c> URL.
/// The capture records every line the filter lets through, at any level. The Functions host and its worker read the same
/// filter from host.json's <c>logging.logLevel</c> (FunctionApp/Program.cs), so the last test holds that one too.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class QuietLogTests
{
    private static List<string> NewLines(RunningLocalHost host, int before) => host.Logs.Lines.Skip(before).ToList();

    [Fact]
    public async Task The_function_key_in_a_code_query_is_never_logged()
    {
        await using var host = await RunningLocalHost.StartAsync();
        const string wrongKey = "WRONG-KEY-THAT-MUST-NOT-BE-LOGGED";

        var right = await host.Http.GetAsync($"/api/map/cha_logkey/messages?external_id=nobody&code={RunningLocalHost.FunctionKey}");
        var wrong = await host.Http.GetAsync($"/api/map/cha_logkey/conversations?external_id=nobody&code={wrongKey}");
        var webhook = await host.Http.PostAsync($"/api/front/channels/cha_logkey?code={RunningLocalHost.FunctionKey}", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, right.StatusCode); // the key was read and accepted
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, webhook.StatusCode);
        Assert.Contains(host.Logs.Lines, l => l.Contains("cha_logkey", StringComparison.Ordinal)); // the capture works
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(RunningLocalHost.FunctionKey, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(wrongKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_webhook_writes_one_log_line_and_no_framework_lines()
    {
        await using var host = await RunningLocalHost.StartAsync();
        var channel = TestStorage.NewChannelId();
        await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channel));
        var before = host.Logs.Lines.Count;

        var response = await host.SendSignedAsync(HttpMethod.Post, $"/api/front/channels/{channel}", FrontPayloads.MessageImported("msg_quiet", "cnv_quiet"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = NewLines(host, before);
        Assert.True(lines.Count == 1, "one line per webhook, got:\n" + string.Join("\n", lines));
        Assert.StartsWith("Information FrontFunctions.", lines[0], StringComparison.Ordinal);
        Assert.Contains("msg_quiet", lines[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// Framework categories the app's paths log under: ASP.NET Core, the WebJobs queue listener, the typed HTTP clients and
    /// their resilience pipelines, the Azure SDK (its request lines are forwarded to ILogger by Microsoft.Extensions.Azure).
    /// Not "Function" and "Host.Results": on the Functions host they carry the invocations Application Insights records, so
    /// host.json keeps them at Information while the local host, where they hold only the WebJobs SDK's lines, silences them.
    /// </summary>
    public static TheoryData<string> FrameworkCategories() =>
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.EndpointMiddleware",
        "Microsoft.Azure.WebJobs.Host.Queues.Listeners.QueueListener",
        "Microsoft.Extensions.Http.Resilience",
        "System.Net.Http.HttpClient.FrontApiClient.LogicalHandler",
        "System.Net.Http.HttpClient.PartnerClient.ClientHandler",
        "Polly",
        "Azure.Core",
    ];

    [Theory]
    [MemberData(nameof(FrameworkCategories))]
    public async Task The_Functions_hosts_filter_in_host_json_keeps_the_same_categories_quiet(string category)
    {
        await using var host = await RunningLocalHost.StartAsync();
        var local = host.Services.GetRequiredService<ILoggerFactory>();
        // What the Functions worker applies (FunctionApp/Program.cs) and the Functions host reads: host.json's "logging" section.
        var hostJson = new ConfigurationBuilder().AddJsonFile(RepositoryRoot.File("host.json")).Build().GetSection("logging");
        using var functions = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddConfiguration(hostJson).AddProvider(new CapturedLogs()));
        const string app = "FrontFunctions.Webhooks.FrontWebhookHandler";

        Assert.True(hostJson.GetSection("logLevel").Exists(), "host.json has logging.logLevel");
        Assert.False(local.CreateLogger(category).IsEnabled(LogLevel.Information), $"the local host logs {category} at Information");
        Assert.False(functions.CreateLogger(category).IsEnabled(LogLevel.Information), $"host.json lets {category} log at Information");
        Assert.True(functions.CreateLogger(category).IsEnabled(LogLevel.Warning), $"host.json hides {category}'s warnings");
        Assert.True(local.CreateLogger(app).IsEnabled(LogLevel.Information));
        Assert.True(functions.CreateLogger(app).IsEnabled(LogLevel.Information), "host.json hides the app's own lines");
    }
}
