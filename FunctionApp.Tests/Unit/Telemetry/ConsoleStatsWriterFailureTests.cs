using Azure.Data.Tables;
using FrontFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Telemetry;

/// <summary>
/// The console's counter writer is a background service: if a write throws, the host stops (the soak run of issue 22 lost
/// its local host this way when Azurite timed out: the SDK's retries end in an <see cref="AggregateException"/>, which the
/// writer did not catch). Storage failing in any way must leave the counts in the tally for the next write.
/// </summary>
public sealed class ConsoleStatsWriterFailureTests
{
    private const string Unreachable =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    [Fact]
    public async Task Storage_failing_after_the_sdk_s_retries_is_logged_and_the_counts_are_kept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 22, 40, 10, TimeSpan.Zero));
        var tally = new MinuteTally(time);
        tally.Count(MinuteSeries.Mapped, 3);
        tally.MessageStored("cha_soak1");
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2; // connection refused three times: an AggregateException, as a storage timeout gives
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var writer = new ConsoleStatsWriter(new TableServiceClient(Unreachable, options), tally, new QueueSnapshot(),
            Options.Create(new MetricsOptions()), time, NullLogger<ConsoleStatsWriter>.Instance);

        await writer.WriteOnceAsync(CancellationToken.None); // threw AggregateException before the fix

        var (minutes, channels) = tally.Take();
        Assert.Equal(3, Assert.Single(minutes).Series[(int)MinuteSeries.Mapped]);
        Assert.Equal(1, channels["cha_soak1"].Messages);
    }
}
