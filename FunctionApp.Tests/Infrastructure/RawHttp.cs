using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 written byte for byte on a socket, for requests <see cref="HttpClient"/> will not send: a header line given
/// twice, broken framing, raw bytes in the request line. One request per connection (<c>Connection: close</c>).
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int StatusCode, string Head, string Body);

    /// <summary>Sends <paramref name="head"/> lines (request line first, without CRLFs), a blank line and <paramref name="body"/>.</summary>
    public static Task<Answer> SendAsync(Uri baseUrl, IEnumerable<string> head, byte[]? body = null) =>
        SendBytesAsync(baseUrl, [.. Encoding.Latin1.GetBytes(string.Join("\r\n", head) + "\r\n\r\n"), .. body ?? []]);

    /// <summary>
    /// A request with the usual headers (Host, Content-Length when there is a body, Connection: close) plus
    /// <paramref name="headers"/>, each written as its own line in the order given.
    /// </summary>
    public static Task<Answer> SendAsync(Uri baseUrl, string method, string path, IEnumerable<(string Name, string Value)> headers, byte[]? body = null)
    {
        var lines = new List<string> { $"{method} {path} HTTP/1.1", $"Host: {baseUrl.Authority}", "Connection: close" };
        if (body is not null)
        {
            lines.Add("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));
        }

        lines.AddRange(headers.Select(h => $"{h.Name}: {h.Value}"));
        return SendAsync(baseUrl, lines, body);
    }

    public static async Task<Answer> SendBytesAsync(Uri baseUrl, byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port, timeout.Token);
        await using var stream = client.GetStream();
        try
        {
            // No half-close after writing: Kestrel takes a client's FIN as an aborted request.
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything (e.g. 413): read what it answered.
        }

        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer (the server closed with unread request bytes): the answer is complete enough.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = headEnd < 0 ? text : text[..headEnd];
        var body = headEnd < 0 ? "" : text[(headEnd + 4)..];
        if (head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        var statusLine = head.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ', 3);
        var status = parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
        return new Answer(status, head, body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new System.Text.StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(chunked.AsSpan(at, lineEnd - at).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            // Sizes count bytes; the answers read here are ASCII JSON, so characters and bytes agree.
            body.Append(chunked, lineEnd + 2, Math.Min(size, chunked.Length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }

        return body.ToString();
    }
}
