using System.Net;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.LocalHost;

/// <summary>
/// The local host's log, with host.json's filter applied as the Functions host applies it: framework categories only from
/// Warning up, the app's own lines at Information — one per webhook — and never the function key of a <c>?code=</c> URL.
/// The capture records every line the filter lets through, at any level.
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
}
