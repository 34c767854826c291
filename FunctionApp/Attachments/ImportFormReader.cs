using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FrontFunctions.Attachments;

/// <summary>An import sent as <c>multipart/form-data</c>: the message (the JSON body of the JSON route) and its files.</summary>
public sealed record ImportForm(ReadOnlyMemory<byte> Message, IReadOnlyList<FrontUploadFile> Files);

/// <summary>
/// Reads the import API's <c>multipart/form-data</c> body (docs/import-api.md): one <c>message</c> field holding exactly
/// the JSON the JSON route takes, and files in <c>attachments[]</c> (or <c>attachments</c>). Limits: the files 25 MB in all
/// (Front's: "Attachments are limited to 25 MB", https://dev.frontapp.com/docs/attachments-1) → 413;
/// <see cref="AttachmentOptions.MaxImportFiles"/> files → 400; the message <paramref name="maxMessageBytes"/> → 413. A body is
/// read only as far as its first broken limit. The files are held in memory (at most 25 MB) because an import Front
/// refused with a 429 is sent again by the Front client's retry.
/// </summary>
public static class ImportFormReader
{
    public const string MessageField = "message";

    public static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    public static async Task<(ImportForm? Form, HttpAnswer? Problem)> ReadAsync(HttpRequest request, int maxFiles, int maxMessageBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return (null, HttpAnswer.BadRequest("A multipart/form-data body needs a boundary in its Content-Type."));
        }

        ReadOnlyMemory<byte>? message = null;
        var files = new List<FrontUploadFile>();
        long total = 0;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
                {
                    return (null, HttpAnswer.BadRequest("Every part of the multipart body needs a Content-Disposition with a name."));
                }

                if (name == MessageField && !disposition.IsFileDisposition())
                {
                    if (message is not null)
                    {
                        return (null, HttpAnswer.BadRequest("The multipart body has more than one \"message\" field."));
                    }

                    message = await ReadCappedAsync(section.Body, maxMessageBytes, cancellationToken).ConfigureAwait(false);
                    if (message is null)
                    {
                        return (null, HttpAnswer.PayloadTooLarge($"The \"message\" field is larger than {maxMessageBytes} bytes."));
                    }

                    continue;
                }

                if (name is not ("attachments[]" or "attachments") || !disposition.IsFileDisposition())
                {
                    return (null, HttpAnswer.BadRequest($"Unexpected field \"{name}\": the multipart body takes one \"message\" field (the JSON message) and files in \"attachments[]\"."));
                }

                if (files.Count == maxFiles)
                {
                    return (null, HttpAnswer.BadRequest($"At most {maxFiles} attachments per import (setting Attachments__MaxImportFiles)."));
                }

                var content = await ReadCappedAsync(section.Body, AttachmentOptions.FrontLimitBytes - total, cancellationToken).ConfigureAwait(false);
                if (content is null)
                {
                    return (null, HttpAnswer.PayloadTooLarge($"The attachments are larger than {AttachmentOptions.FrontLimitBytes} bytes in all; Front takes at most 25 MB."));
                }

                total += content.Value.Length;
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var contentType = MediaTypeHeaderValue.TryParse(section.ContentType, out var partType) ? partType.ToString() : "application/octet-stream";
                files.Add(new FrontUploadFile(fileName is { Length: > 0 } ? Path.GetFileName(fileName) : $"attachment-{files.Count}", contentType, content.Value));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return (null, HttpAnswer.BadRequest("The multipart body is malformed: " + e.Message));
        }

        return message is { } json
            ? (new ImportForm(json, files), null)
            : (null, HttpAnswer.BadRequest("The multipart body has no \"message\" field (the JSON message, as the JSON route takes it)."));
    }

    /// <summary>The stream's bytes, or null as soon as it runs past <paramref name="limit"/>.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadCappedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
