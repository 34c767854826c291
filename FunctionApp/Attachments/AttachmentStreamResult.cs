using System.Buffers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace FrontFunctions.Attachments;

/// <summary>
/// Copies Front's download to the partner as it arrives: Front's response was returned at its headers
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>), and its body goes through one pooled 80 KB buffer, so the app
/// never holds the file. Front's <c>Content-Length</c> is passed on when given. A body that runs past the size cap, or that
/// Front cuts off, aborts the partner's connection: the partner sees a broken transfer, never a complete-looking short file.
/// </summary>
public sealed class AttachmentStreamResult(HttpResponseMessage upstream, AttachmentStreamResult.Target target, ILogger logger) : IActionResult
{
    private const int BufferBytes = 80 * 1024;

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

            var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
            long total = 0;
            try
            {
                await using var source = await upstream.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
                int read;
                while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferBytes), aborted).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > target.Limit)
                    {
                        AttachmentLog.Cut(logger, target.ChannelId, target.MessageId, target.Index, total, "over the size cap");
                        http.Abort();
                        return;
                    }

                    await response.Body.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
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
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
