using System.Net.Http.Json;

namespace FrontSimulator.Control;

/// <summary>The control API's attachment routes, for tests and demos (beside <see cref="SimulatorControl"/>).</summary>
public static class AttachmentControl
{
    private static readonly HttpClient Http = new();

    /// <summary>Forbidden: the channel's token gets 403 on <c>GET /messages/{id}/download/{attachment_link_id}</c>.</summary>
    public static Task SetAttachmentsForbiddenAsync(this SimulatorControl sim, string channelId, bool forbidden, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, new Uri(sim.BaseUrl, $"_sim/channels/{Uri.EscapeDataString(channelId)}/attachments"), new AttachmentSwitch(forbidden), ct);

    /// <summary>Every download pauses after <paramref name="afterBytes"/> bytes until <see cref="ReleaseDownloadsAsync"/>.</summary>
    public static Task HoldDownloadsAsync(this SimulatorControl sim, long afterBytes, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, new Uri(sim.BaseUrl, "_sim/attachments/hold"), new AttachmentHold(afterBytes), ct);

    public static Task ReleaseDownloadsAsync(this SimulatorControl sim, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, new Uri(sim.BaseUrl, "_sim/attachments/release"), null, ct);

    /// <summary>The channel's teammate-message attachments and multipart imports' attachments, with each file's SHA-256.</summary>
    public static async Task<ChannelAttachmentsSnapshot> GetAttachmentsAsync(this SimulatorControl sim, string channelId, CancellationToken ct = default) =>
        (await Http.GetFromJsonAsync<ChannelAttachmentsSnapshot>(
            new Uri(sim.BaseUrl, $"_sim/channels/{Uri.EscapeDataString(channelId)}/attachments"), ControlJson.Options, ct).ConfigureAwait(false))!;

    private static async Task SendAsync(HttpMethod method, Uri uri, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ControlJson.Options);
        }

        using var response = await Http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {uri.AbsolutePath} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}", null, response.StatusCode);
        }
    }
}
