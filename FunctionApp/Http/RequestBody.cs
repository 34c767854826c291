using System.Buffers;

namespace FrontFunctions.Http;

/// <summary>
/// A request body read into a pooled buffer as its bytes arrive, up to a limit and no further. The buffer starts small and
/// doubles (each step rented from <see cref="ArrayPool{T}.Shared"/>, the previous one returned) only as bytes come in: a
/// declared <c>Content-Length</c> is never allocated up front, so a caller that declares 1 MiB and trickles bytes holds
/// a few KiB, not 1 MiB, until Kestrel's minimum data rate cuts it off. Dispose returns the buffer to the pool: the bytes
/// must not be used after that (every HTTP function reads its body through <see cref="HttpEdge"/>, which disposes it once
/// the answer is made).
/// </summary>
public sealed class RequestBody : IDisposable
{
    /// <summary>Front's envelopes and the import API's requests are small; 1 MiB is far above any real one.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The first buffer's size: a whole webhook or import request usually fits.</summary>
    public const int InitialBufferBytes = 4 * 1024;

    private byte[]? _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    /// <summary>The bytes read; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(RequestBody))).AsMemory(0, Length);

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (declared or sent; the rest is never read).</summary>
    public static async Task<RequestBody?> ReadAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        if (contentLength > limit)
        {
            return null;
        }

        var pool = ArrayPool<byte>.Shared;
        var buffer = pool.Rent(Math.Min(InitialBufferBytes, limit + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = pool.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    pool.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    var complete = new RequestBody(buffer, length);
                    buffer = null;
                    return complete;
                }

                length += read;
                if (length > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                pool.Return(buffer);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
