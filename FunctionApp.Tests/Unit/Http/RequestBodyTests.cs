using FrontFunctions.Http;

namespace FrontFunctions.Tests.Unit.Http;

/// <summary>The one body reader: what it reads, where it stops, and that a declared length is not taken at its word.</summary>
public sealed class RequestBodyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(RequestBody.InitialBufferBytes)]
    [InlineData(RequestBody.InitialBufferBytes + 1)]
    [InlineData(100_000)]
    [InlineData(RequestBody.MaxBodyBytes)]
    public async Task Reads_every_byte_up_to_the_limit(int length)
    {
        var sent = Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray();

        using var body = await RequestBody.ReadAsync(new TrickleStream(sent, chunk: 1000), null, RequestBody.MaxBodyBytes, CancellationToken.None);

        Assert.NotNull(body);
        Assert.Equal(sent, body.Memory.ToArray());
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_unread()
    {
        var stream = new TrickleStream(new byte[10], chunk: 10);

        Assert.Null(await RequestBody.ReadAsync(stream, 2_000_000, RequestBody.MaxBodyBytes, CancellationToken.None));
        Assert.Equal(0, stream.Reads);
    }

    [Fact]
    public async Task A_body_longer_than_declared_or_the_limit_is_refused_past_the_limit()
    {
        Assert.Null(await RequestBody.ReadAsync(new TrickleStream(new byte[5000], chunk: 100), 10, 4096, CancellationToken.None));
    }

    [Fact]
    public async Task A_declared_1_MiB_is_not_allocated_before_its_bytes_arrive()
    {
        // The first read is offered the initial buffer, not the declared length.
        var stream = new TrickleStream([1, 2, 3], chunk: 3);

        using var body = await RequestBody.ReadAsync(stream, RequestBody.MaxBodyBytes, RequestBody.MaxBodyBytes, CancellationToken.None);

        Assert.NotNull(body);
        Assert.InRange(stream.FirstOffered, 1, RequestBody.InitialBufferBytes * 2); // a pool may round up, never to 1 MiB
    }

    /// <summary>A stream that gives at most <c>chunk</c> bytes per read and remembers what it was offered.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public int Reads { get; private set; }

        public int FirstOffered { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => ReadCore(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(ReadCore(buffer.Span));

        private int ReadCore(Span<byte> buffer)
        {
            if (Reads++ == 0)
            {
                FirstOffered = buffer.Length;
            }

            var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
