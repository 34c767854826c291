using Azure.Data.Tables;
using CsCheck;
using FrontFunctions.Front;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.Front;

/// <summary>
/// The replay guard under random interleavings, over Azurite: 2–8 workers, each its own <see cref="ReplayGuard"/> (as
/// separate instances would be) with its storage requests delayed at random, claim one signature at once. Some workers share
/// a claimant (the same request again: Front's retry, a queue redelivery); the signature may already be held by a live row of
/// another request, or by a dead one (past its expiry, to be taken over). Exactly one claimant may win — every worker of it
/// wins, every other worker loses, and the row names the winner — or, against a live row, nobody. CsCheck generates the
/// cases, shrinks a failing one and prints it with its seed.
/// </summary>
public sealed class ReplayGuardInterleavingPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 60;

    public enum Existing
    {
        None,
        Live,
        Dead,
    }

    public sealed record Case(int[] ClaimantOfWorker, Existing Row, int Seed, int MaxDelayMs)
    {
        public override string ToString() =>
            $"workers' claimants: [{string.Join(", ", ClaimantOfWorker)}]; existing row: {Row}; jitter seed {Seed}, up to {MaxDelayMs} ms";
    }

    private static readonly Gen<Case> CaseGen =
        from workers in Gen.Int[2, 8]
        from claimants in Gen.Int[0, 2].Array[workers]
        from row in Gen.Enum<Existing>()
        from seed in Gen.Int
        from maxDelay in Gen.Int[0, 15]
        select new Case(claimants, row, seed, maxDelay);

    [Fact]
    public async Task Concurrent_claims_of_one_signature_have_exactly_one_winning_claimant()
    {
        await using var host = FrontTestHost.Create();
        var options = host.Get<IOptions<FrontOptions>>();
        var table = TestStorage.Tables().GetTableClient(StorageNames.SeenSignaturesTable);
        await InterleavingProperty.CheckAsync(CaseGen, Cases, c => RunAsync(c, options, table), output);
    }

    private static async Task RunAsync(Case c, IOptions<FrontOptions> options, TableClient table)
    {
        var key = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow;
        if (c.Row != Existing.None)
        {
            // What ReplayGuard writes for another request's claim: live until its signature stops verifying, or long dead.
            await table.AddEntityAsync(new TableEntity(key[..2], key)
            {
                ["Claimant"] = "someone-else",
                ["ExpiresAt"] = c.Row == Existing.Live ? now.AddHours(1) : now.AddHours(-1),
            });
        }

        var jitter = new StorageJitter(c.Seed, c.MaxDelayMs);
        var guards = c.ClaimantOfWorker.Select(_ => new ReplayGuard(StorageJitter.Tables(jitter), options, TimeProvider.System)).ToArray();
        using var start = new Barrier(guards.Length);
        var won = await Task.WhenAll(guards.Select((guard, worker) => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await guard.ClaimAsync(key, now, "claimant-" + c.ClaimantOfWorker[worker], CancellationToken.None);
        })));

        var winners = c.ClaimantOfWorker.Where((_, worker) => won[worker]).Distinct().ToList();
        var row = (await table.GetEntityAsync<TableEntity>(key[..2], key)).Value;
        if (c.Row == Existing.Live)
        {
            Assert.True(winners.Count == 0, $"a replay was accepted over a live claim: claimants {string.Join(", ", winners)} won");
            Assert.Equal("someone-else", row.GetString("Claimant"));
            return;
        }

        Assert.True(winners.Count == 1, $"{winners.Count} claimants won ({string.Join(", ", winners)}); exactly one may");
        var winner = winners[0];
        Assert.True(c.ClaimantOfWorker.Select((claimant, worker) => claimant != winner || won[worker]).All(ok => ok),
            $"a worker of the winning claimant {winner} lost: its own request again must be let through");
        Assert.Equal("claimant-" + winner, row.GetString("Claimant"));
    }
}
