using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Outbound;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Attachments;

/// <summary>
/// The two-way pipeline (simulator, local host with its queue listener, Azurite, a partner receiver on loopback) with the
/// channel authorized in the app, and the attachment route reached over real HTTP with the function key.
/// </summary>
internal sealed class AttachmentPipeline : IAsyncDisposable
{
    private AttachmentPipeline(TwoWayPipeline two) => Two = two;

    public TwoWayPipeline Two { get; }
    public SimulatorControl Sim => Two.Sim;
    public string ChannelId => Two.ChannelId;
    public RunningLocalHost Host => Two.Pipeline.Host;

    public static async Task<AttachmentPipeline> StartAsync(IDictionary<string, string?>? settings = null, bool deliver = false)
    {
        var two = await TwoWayPipeline.StartAsync(deliver, settings);
        using var authorized = await two.Pipeline.Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(two.ChannelId));
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        return new AttachmentPipeline(two);
    }

    /// <summary>A teammate's reply carrying <paramref name="attachments"/>; returns its external id (as the app answered Front).</summary>
    public async Task<string> ReplyWithAsync(params AttachmentSpec[] attachments)
    {
        var (_, answer) = await Two.ReplyAsync(new TeammateMessage { Body = "<p>Here you are</p>", Attachments = attachments });
        return answer.ExternalId;
    }

    /// <summary>
    /// Waits until the import of <paramref name="externalId"/> is <c>imported</c> (Front's notification mapped), so the test
    /// does not stop the host while the queue listener is still enriching it.
    /// </summary>
    public Task<JsonElement> WaitImportedAsync(string externalId) =>
        Two.Pipeline.WaitForAsync(Two.Pipeline.MessageByExternalId(externalId), m => m.TryGetProperty("status", out var s) && s.GetString() == "imported");

    public static string PathOf(string channelId, string externalId, int n) =>
        $"/api/channels/{Uri.EscapeDataString(channelId)}/messages/{Uri.EscapeDataString(externalId)}/attachments/{n}";

    /// <summary>GET through the app, returned at its headers (the body left to read as a stream).</summary>
    public async Task<HttpResponseMessage> DownloadAsync(string externalId, int n, string? channelId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, PathOf(channelId ?? ChannelId, externalId, n));
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        return await Host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>An error answer's <c>type</c> and <c>message</c>.</summary>
    public static async Task<(string Type, string Message)> ErrorOf(HttpResponseMessage response)
    {
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (root.GetProperty("type").GetString()!, root.GetProperty("message").GetString()!);
    }

    public static MediaTypeHeaderValue Json => new("application/json");

    public ValueTask DisposeAsync() => Two.DisposeAsync();
}
