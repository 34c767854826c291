using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FrontSimulator.Api;

/// <summary>An import body as read: the message as JSON, its attachments, or why it was refused (status and Front's message).</summary>
internal sealed record ImportBody(JsonNode? Root, IReadOnlyList<KeptAttachment> Attachments, int Status = 200, string? Problem = null);

/// <summary>
/// Reads a sync import's body the two ways Front takes it (channel-api.json <c>InboundMessage.attachments</c>: "Must use
/// <c>Content-Type: multipart/form-data</c> if specified … Max 25 MB"): JSON, or <c>multipart/form-data</c> whose fields are
/// the JSON's properties flattened as https://dev.frontapp.com/docs/attachments-1 describes (<c>sender[handle]</c>,
/// <c>metadata[external_id]</c>, <c>to[0][handle]</c>, <c>to[]</c>) and whose files are <c>attachments[]</c>.
/// </summary>
internal static class ImportBodyReader
{
    /// <summary>"Attachments are limited to 25 MB" (https://dev.frontapp.com/docs/attachments-1), all of a message's together.</summary>
    public const long MaxAttachmentBytes = 25L * 1024 * 1024;

    private static readonly HashSet<string> NumberFields = new(StringComparer.Ordinal) { "delivered_at" };

    public static async Task<ImportBody> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.HasJsonContentType())
        {
            try
            {
                return new ImportBody(await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted), []);
            }
            catch (JsonException)
            {
                return new ImportBody(null, [], 400, "The body is not valid JSON.");
            }
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return new ImportBody(null, [], 400, "The body must be application/json or multipart/form-data.");
        }

        var root = new JsonObject();
        var attachments = new List<KeptAttachment>();
        long total = 0;
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value is not { Length: > 0 } rawName)
            {
                return new ImportBody(null, [], 400, "Every multipart section needs a Content-Disposition with a name.");
            }

            var name = HeaderUtilities.RemoveQuotes(rawName).Value!;
            using var buffer = new MemoryStream();
            await section.Body.CopyToAsync(buffer, context.RequestAborted);
            if (disposition.IsFileDisposition())
            {
                if (name is not ("attachments[]" or "attachments") && !name.StartsWith("attachments[", StringComparison.Ordinal))
                {
                    return new ImportBody(null, [], 400, $"A file must be sent in the attachments field, not \"{name}\".");
                }

                total += buffer.Length;
                if (total > MaxAttachmentBytes)
                {
                    return new ImportBody(null, [], 400, "Attachments are limited to 25 MB.");
                }

                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "attachment";
                attachments.Add(new KeptAttachment(SimulatorStore.NewId("fil_"), fileName, section.ContentType ?? "application/octet-stream", buffer.Length, buffer.ToArray()));
                continue;
            }

            var value = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            if (!Set(root, name, value))
            {
                return new ImportBody(null, [], 400, $"The form field \"{name}\" is not a property path (name, name[key], name[0][key] or name[]).");
            }
        }

        return new ImportBody(root, attachments);
    }

    /// <summary>Puts a flattened field back into the JSON it came from: <c>to[0][handle]</c> → <c>{"to":[{"handle":…}]}</c>.</summary>
    private static bool Set(JsonObject root, string name, string value)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        var segments = new List<string> { open < 0 ? name : name[..open] };
        for (var i = open; i >= 0 && i < name.Length;)
        {
            var close = name.IndexOf(']', i);
            if (name[i] != '[' || close < 0)
            {
                return false;
            }

            segments.Add(name[(i + 1)..close]);
            i = close + 1;
        }

        if (segments[0].Length == 0)
        {
            return false;
        }

        JsonNode node = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var last = i == segments.Count - 1;
            var next = last ? null : segments[i + 1];
            JsonNode child = last
                ? (NumberFields.Contains(segments[0]) && segments.Count == 1 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    ? JsonValue.Create(number) : JsonValue.Create(value))
                : next!.Length == 0 || int.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? new JsonArray() : new JsonObject();
            switch (node)
            {
                case JsonObject o:
                    if (!last && o[segments[i]] is { } existing)
                    {
                        node = existing;
                        continue;
                    }

                    o[segments[i]] = child;
                    break;
                case JsonArray a:
                    var index = segments[i].Length == 0 ? a.Count : int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 1000 ? n : -1;
                    if (index < 0)
                    {
                        return false;
                    }

                    while (a.Count <= index)
                    {
                        a.Add(null);
                    }

                    if (!last && a[index] is { } present)
                    {
                        node = present;
                        continue;
                    }

                    a[index] = child;
                    break;
                default:
                    return false;
            }

            node = child;
        }

        return true;
    }
}
