using System.Net;
using System.Text;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Lookup;

/// <summary>
/// What a person reads in a lookup answer, over real HTTP: the 404 names the id asked for, written as plain UTF-8
/// (not <c>\u002B</c> / <c>\uD83D\uDE80</c> escapes), and an id that arrived with a space — a '+' sent unencoded — is told to
/// encode it.
/// </summary>
public sealed class LookupAnswerTextTests : IAsyncLifetime
{
    private RunningLocalHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningLocalHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Text)> GetRawAsync(string pathAndQuery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_host.BaseUrl, pathAndQuery));
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
    }

    [Fact]
    public async Task An_unmapped_id_is_named_in_plain_utf8()
    {
        var channelId = TestStorage.NewChannelId();
        var (status, text) = await GetRawAsync($"/api/map/{channelId}/messages?external_id={Uri.EscapeDataString("sms:+15550100/🚀")}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.True(text.Replace("\\\"", "\"", StringComparison.Ordinal).Contains("\"sms:+15550100/🚀\"", StringComparison.Ordinal), text);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        Assert.DoesNotContain("URL-encode", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plus_sent_unencoded_gets_a_hint_to_encode_it()
    {
        var channelId = TestStorage.NewChannelId();
        var (status, text) = await GetRawAsync($"/api/map/{channelId}/conversations?external_id=sms:+15550100");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("sms: 15550100", text, StringComparison.Ordinal);
        Assert.Contains("%2B", text, StringComparison.Ordinal);
    }
}
