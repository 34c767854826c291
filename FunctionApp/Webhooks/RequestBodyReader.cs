using FrontFunctions.Ingest;

namespace FrontFunctions.Webhooks;

/// <summary>Reads a request body up to a limit, and no further.</summary>
public static class RequestBodyReader
{
    /// <summary>Front's envelopes are small; 1 MiB is far above any real one.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (the rest is never read).</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        if (contentLength > limit)
        {
            return null;
        }

        var buffer = new byte[contentLength is { } known ? (int)known + 1 : 16 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > limit)
            {
                return null;
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }
}
