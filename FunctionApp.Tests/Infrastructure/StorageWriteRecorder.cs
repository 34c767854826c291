using Azure.Core;
using Azure.Core.Pipeline;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// An Azure SDK pipeline policy that counts the storage writes that succeeded (every request but GET and HEAD answered
/// below 300: queue messages, table rows, blobs), so a test can tell exactly what one call wrote to the real storage.
/// </summary>
public sealed class StorageWriteRecorder : HttpPipelinePolicy
{
    private int _writes;

    public int Writes => Volatile.Read(ref _writes);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Record(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Record(message);
    }

    private void Record(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Get && message.Request.Method != RequestMethod.Head
            && message.HasResponse && message.Response.Status < 300)
        {
            Interlocked.Increment(ref _writes);
        }
    }
}
