using Azure.Core;
using Azure.Core.Pipeline;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// Delays each storage request of the clients it is added to by 0 to <paramref name="maxMilliseconds"/> ms, drawn from a
/// seeded random: concurrent workers' requests reach Azurite in orders a plain run rarely shows. The seed comes from the
/// property test's case, so a failing case's delays are replayed (the interleaving itself stays real).
/// </summary>
public sealed class StorageJitter(int seed, int maxMilliseconds) : HttpPipelinePolicy
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("async only");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        int delay;
        lock (_gate)
        {
            delay = _random.Next(maxMilliseconds + 1);
        }

        if (delay > 0)
        {
            await Task.Delay(delay, message.CancellationToken);
        }

        await ProcessNextAsync(message, pipeline);
    }

    /// <summary>Table clients on the test Azurite whose requests pass through <paramref name="jitter"/>.</summary>
    public static Azure.Data.Tables.TableServiceClient Tables(StorageJitter jitter)
    {
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(jitter, HttpPipelinePosition.PerCall);
        return new Azure.Data.Tables.TableServiceClient(TestStorage.ConnectionString, options);
    }
}
