using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace FrontFunctions.Attachments;

/// <summary>
/// Copies Front's download to the partner as it arrives: Front's response was returned at its headers
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>), and its body is read straight into the response's own pipe, a
/// 256 KB segment at a time, each flushed before the next is read, so the app never holds the file. Front's <c>Content-Length</c> is passed on when given. A body that runs past the size cap, or that
/// Front cuts off, aborts the partner's connection: the partner sees a broken transfer, never a complete-looking short file.
/// </summary>
public sealed class AttachmentStreamResult(HttpResponseMessage upstream, AttachmentStreamResult.Target target, ILogger logger) : IActionResult
{
    private const int SegmentBytes = 256 * 1024;

    /// <summary>What is streamed: whose attachment, its name and type as Front listed them, the cap.</summary>
    public sealed record Target(string ChannelId, string MessageId, int Index, string? FileName, string? ContentType, long Limit);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var aborted = http.RequestAborted;
        using (upstream)
        {
            var response = http.Response;
            response.StatusCode = 200;
            response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? target.ContentType ?? "application/octet-stream";
            if (upstream.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength = length;
            }

            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(target.FileName ?? $"attachment-{target.Index}");
            response.Headers.ContentDisposition = disposition.ToString();
            response.Headers.CacheControl = "no-store";

            // Front's bytes are read straight into the response's own pipe (no copy through a buffer of ours); each flush
            // waits while the partner's side is full, so no more than about a segment is held per download.
            var writer = response.BodyWriter;
            long total = 0;
            try
            {
                await using var source = await upstream.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
                int read;
                while ((read = await source.ReadAsync(writer.GetMemory(SegmentBytes), aborted).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > target.Limit)
                    {
                        AttachmentLog.Cut(logger, target.ChannelId, target.MessageId, target.Index, total, "over the size cap");
                        http.Abort();
                        return;
                    }

                    writer.Advance(read);
                    if ((await writer.FlushAsync(aborted).ConfigureAwait(false)).IsCanceled)
                    {
                        return;
                    }
                }

                AttachmentLog.Streamed(logger, target.ChannelId, target.MessageId, target.Index, total);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The partner went away: nothing to answer.
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                AttachmentLog.Cut(logger, target.ChannelId, target.MessageId, target.Index, total, "Front's stream broke (" + e.GetType().Name + ")");
                http.Abort();
            }
        }
    }
}
