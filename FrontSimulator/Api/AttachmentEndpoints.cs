using System.Text.Json.Nodes;
using FrontSimulator.Control;
using FrontSimulator.Model;
using FrontSimulator.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FrontSimulator.Api;

/// <summary>
/// <c>GET /messages/{message_id}/download/{attachment_link_id}</c> (core-api.json "Download attachment for a message"):
/// the bytes of a teammate message's or a multipart import's attachment, with <c>Content-Type</c> and
/// <c>Content-Length</c> as the spec's <c>attachment</c> response names them, streamed in 64 KB writes. A channel token
/// sees only its channel's messages (404 otherwise); a channel switched to <c>forbidden</c> gets 403. And the control
/// routes: the 403 switch, the hold (pause every download after N bytes until released), the channel's attachments.
/// </summary>
internal static class AttachmentEndpoints
{
    public const string DownloadRoute = "/messages/{message_id}/download/{attachment_link_id}";

    public static void MapAttachmentRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet(DownloadRoute, DownloadAsync);
        app.MapPut("/_sim/channels/{channel_id}/attachments", async (string channel_id, HttpContext c, SimulatedAttachments attachments) =>
        {
            var body = await c.Request.ReadFromJsonAsync<AttachmentSwitch>(ControlJson.Options, c.RequestAborted);
            attachments.SetForbidden(channel_id, body?.Forbidden ?? false);
            return Results.NoContent();
        });
        app.MapPut("/_sim/attachments/hold", async (HttpContext c, SimulatedAttachments attachments) =>
        {
            var body = await c.Request.ReadFromJsonAsync<AttachmentHold>(ControlJson.Options, c.RequestAborted);
            if (body is not { AfterBytes: >= 0 })
            {
                return Results.BadRequest(new { error = "after_bytes (>= 0) is required" });
            }

            attachments.Hold(body.AfterBytes);
            return Results.NoContent();
        });
        app.MapPost("/_sim/attachments/release", (SimulatedAttachments attachments) =>
        {
            attachments.Release();
            return Results.NoContent();
        });
        app.MapGet("/_sim/channels/{channel_id}/attachments", (string channel_id, SimulatedAttachments attachments, SimulatorStore store) =>
        {
            var (sent, imported) = attachments.OfChannel(channel_id);
            return Results.Json(new ChannelAttachmentsSnapshot(
                channel_id,
                [.. sent.Select(s => new MessageAttachmentsSnapshot(s.MessageId, null, null, [.. s.Attachments.Select(Snapshot)]))],
                [.. imported.Select(i => new MessageAttachmentsSnapshot(store.FindMessageByUid(i.MessageUid)?.Id, i.MessageUid, i.ExternalId, [.. i.Attachments.Select(Snapshot)]))]),
                ControlJson.Options);
        });
    }

    private static AttachmentSnapshot Snapshot(KeptAttachment a) => new(a.Id, a.Filename, a.ContentType, a.Size, a.Sha256);

    private static async Task DownloadAsync(HttpContext context, SimulatorStore store, SimulatedAttachments attachments)
    {
        var messageId = (string)context.Request.RouteValues["message_id"]!;
        var linkId = (string)context.Request.RouteValues["attachment_link_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        var (channelId, list) = attachments.FindSent(messageId) is { } sent
            ? (sent.ChannelId, sent.Attachments)
            : store.FindMessage(messageId) is { } imported && attachments.FindImported(imported.Uid) is { } kept
                ? (kept.ChannelId, kept.Attachments)
                : (null, (IReadOnlyList<KeptAttachment>)[]);
        if (channelId is null || (caller.ChannelId is { } own && own != channelId))
        {
            await FrontErrors.WriteAsync(context, 404, "Message not found.");
            return;
        }

        if (caller.ChannelId is not null && attachments.IsForbidden(channelId))
        {
            await FrontErrors.WriteAsync(context, 403, "The channel token may not download this attachment.");
            return;
        }

        if (list.FirstOrDefault(a => a.Id == linkId) is not { } attachment)
        {
            await FrontErrors.WriteAsync(context, 404, "Attachment not found.");
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = attachment.ContentType;
        response.ContentLength = attachment.Size;
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = attachment.Filename, DispositionType = "attachment" }.ToString();
        var hold = attachments.CurrentHold();
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < attachment.Size;)
        {
            var count = (int)Math.Min(buffer.Length, attachment.Size - offset);
            if (hold is { } h && offset < h.AfterBytes && offset + count > h.AfterBytes)
            {
                count = (int)(h.AfterBytes - offset); // stop exactly at the hold
            }

            if (attachment.Content is { } bytes)
            {
                bytes.AsSpan((int)offset, count).CopyTo(buffer);
            }
            else
            {
                SimulatedAttachments.Fill(buffer.AsSpan(0, count), offset);
            }

            await response.Body.WriteAsync(buffer.AsMemory(0, count), context.RequestAborted);
            offset += count;
            if (hold is { } held && offset == held.AfterBytes)
            {
                await response.Body.FlushAsync(context.RequestAborted);
                await held.Released.WaitAsync(context.RequestAborted);
                hold = null;
            }
        }
    }

    /// <summary>The attachments of a control API teammate message, kept for download: the payload's <c>attachments</c>.</summary>
    public static IReadOnlyList<KeptAttachment> Keep(IReadOnlyList<AttachmentSpec> specs) =>
        [.. specs.Select(a =>
        {
            var content = a.Content is { } base64 ? Convert.FromBase64String(base64) : null;
            return new KeptAttachment(SimulatorStore.NewId("fil_"), a.Filename, a.ContentType, content?.LongLength ?? a.Size, content);
        })];

    /// <summary>Front's <c>Attachment</c> objects for a message's payload (core-api.json <c>Attachment</c>).</summary>
    public static JsonArray AttachmentObjects(string host, IReadOnlyList<KeptAttachment> attachments) =>
        new([.. attachments.Select(a => (JsonNode?)new JsonObject
        {
            ["id"] = a.Id,
            ["filename"] = a.Filename,
            ["url"] = $"{host}/download/{a.Id}",
            ["content_type"] = a.ContentType,
            ["size"] = a.Size,
            ["metadata"] = new JsonObject { ["is_inline"] = false },
        })]);
}
