using System.Net;
using System.Text;
using Azure.Core;
using CsCheck;
using FrontFunctions.Channels;
using FrontFunctions.Imports;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>
/// The import reservation under random interleavings, over Azurite: 2–3 imports of one external id at once, spread over two
/// app instances (each its own service container, storage requests delayed at random), against a Front whose answer is
/// 202, a 500 or an attempt timeout (the last two ambiguous: Front may have the message). Sometimes the reservation's lease
/// runs out while Front is being called (the clock jumps), so a late import finds the <c>sending</c> row expired and makes
/// it <c>unknown</c>. Whatever the order: Front is called exactly once, exactly one request answers 202, the others answer
/// 409 (in progress) or 200 with the row, and the row ends <c>accepted</c> (Front took it) or <c>unknown</c> (ambiguous) —
/// never sent twice, never <c>sending</c>, never <c>failed</c>. CsCheck generates the cases, shrinks a failing one and
/// prints it with its seed.
/// </summary>
[Collection(SharedQueueCollection.Name)] // accepted imports queue their (hidden) overdue checks
public sealed class ImportRaceInterleavingPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 40;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    public enum FrontAnswer
    {
        Accepted,
        ServerError,
        AttemptTimeout,
    }

    public sealed record Case(int[] StartDelayMs, FrontAnswer Answer, int FrontDelayMs, bool LeaseRunsOutDuringTheCall, int Seed, int MaxJitterMs)
    {
        public override string ToString() =>
            $"imports starting after [{string.Join(", ", StartDelayMs)}] ms (alternating instances); Front answers {Answer} after {FrontDelayMs} ms" +
            $"{(LeaseRunsOutDuringTheCall ? ", the lease running out meanwhile" : "")}; jitter seed {Seed}, up to {MaxJitterMs} ms";
    }

    private static readonly Gen<Case> CaseGen =
        from imports in Gen.Int[2, 3]
        from starts in Gen.Int[0, 40].Array[imports]
        from answer in Gen.Enum<FrontAnswer>()
        from frontDelay in Gen.Int[0, 60]
        from leaseRunsOut in Gen.Bool
        from seed in Gen.Int
        from jitter in Gen.Int[0, 10]
        select new Case(starts, answer, frontDelay, leaseRunsOut, seed, jitter);

    [Fact]
    public async Task Concurrent_imports_of_one_external_id_reach_Front_once_and_end_in_a_legal_state()
    {
        await InterleavingProperty.CheckAsync(CaseGen, Cases, RunAsync, output);
    }

    private static async Task RunAsync(Case c)
    {
        var clock = new JumpingClock();
        FrontTestHost Instance(int seed) => FrontTestHost.Create(
            settings: new Dictionary<string, string?>
            {
                ["Imports:ReservationLease"] = Lease.ToString(),
                ["Imports:OverdueAfter"] = "1.00:00:00", // the checks stay hidden: no other test's listener picks them up
                ["Front:AttemptTimeout"] = "00:00:00.200",
            },
            configure: services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(new StorageJitter(seed, c.MaxJitterMs), HttpPipelinePosition.PerCall)));
            });
        await using var first = Instance(c.Seed);
        await using var second = Instance(c.Seed + 1);
        FrontTestHost[] instances = [first, second];

        var channel = TestStorage.NewChannelId();
        var externalId = "race-" + Guid.NewGuid().ToString("N")[..8];
        await first.Get<ChannelRegistry>().AuthorizeAsync(channel, CancellationToken.None);
        var sends = 0;
        foreach (var instance in instances)
        {
            instance.Front.Respond = async request =>
            {
                if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/inbound_messages", StringComparison.Ordinal))
                {
                    return new HttpResponseMessage(HttpStatusCode.NotFound);
                }

                Interlocked.Increment(ref sends);
                if (c.LeaseRunsOutDuringTheCall)
                {
                    clock.Jump(Lease * 2);
                }

                await Task.Delay(c.FrontDelayMs + (c.Answer == FrontAnswer.AttemptTimeout ? 400 : 0));
                return c.Answer == FrontAnswer.Accepted
                    ? StubFrontHandler.Json("{\"status\":\"accepted\",\"message_uid\":\"uid_" + externalId + "\"}", HttpStatusCode.Accepted)
                    : new HttpResponseMessage(HttpStatusCode.InternalServerError);
            };
        }

        var body = Encoding.UTF8.GetBytes(ImportApiTests.Inbound(externalId).ToJsonString());
        var answers = await Task.WhenAll(c.StartDelayMs.Select((delay, i) => Task.Run(async () =>
        {
            await Task.Delay(delay);
            return await instances[i % 2].Get<ImportService>().ImportAsync(channel, inbound: true, body, CancellationToken.None);
        })));

        var row = await first.Get<ImportStore>().GetAsync(channel, externalId, CancellationToken.None);
        var described = string.Join(", ", answers.Select(a => $"{a.StatusCode} {StatusOf(a)}")) + $"; row {row?.Status ?? "none"}";
        Assert.True(sends == 1, $"Front was called {sends} times; {described}");
        Assert.True(answers.Count(a => a.StatusCode == 202) == 1, "exactly one request sends and answers 202: " + described);
        Assert.All(answers, a => Assert.True(a.StatusCode is 202 or 200 or 409, "an answer other than 202, 200 or 409: " + described));
        Assert.All(answers.Where(a => a.StatusCode is 200 or 202), a => Assert.True(
            StatusOf(a) is ImportStatus.Accepted or ImportStatus.Unknown, "an answer with a row neither accepted nor unknown: " + described));
        var expected = c.Answer == FrontAnswer.Accepted ? ImportStatus.Accepted : ImportStatus.Unknown;
        Assert.True(row?.Status == expected, $"the row should end {expected}: {described}");
        Assert.Equal(c.Answer == FrontAnswer.Accepted ? "uid_" + externalId : null, row!.MessageUid);
    }

    private static string? StatusOf(FrontFunctions.Http.HttpAnswer answer) => (answer.Body as ImportAnswer)?.Status;

    /// <summary>The wall clock, moved forward at once by <see cref="Jump"/> (a lease running out); timers stay the system's.</summary>
    private sealed class JumpingClock : TimeProvider
    {
        private long _offsetTicks;

        public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
    }
}
