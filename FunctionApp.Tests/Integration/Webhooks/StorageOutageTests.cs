using System.Net;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>Front must see a failure when nothing could be recorded, never a silent 200.</summary>
public sealed class StorageOutageTests
{
    // Azurite's well-known development key; the endpoints point at a loopback port nothing listens on.
    private const string UnreachableStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    [Fact]
    public async Task Message_imported_answers_503_when_storage_is_unavailable()
    {
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = UnreachableStorage });

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels/cha_outage", FrontPayloads.MessageImported("msg_1", "cnv_1"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // Front gives up after about 7 s; the 503 must reach it before then (a bound, not a benchmark).
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(7));
    }

    /// <summary>
    /// A frozen storage account (Azurite stopped with SIGSTOP, a storage front end that hangs) accepts the TCP connection and
    /// never answers: only the clients' network timeout and retry budget bound the wait. The 503 must still beat Front's ~7 s,
    /// with room for a loaded machine. (The fault ledger run, <c>bash scripts/bench.sh faults</c>, freezes a real Azurite.)
    /// </summary>
    [Theory]
    [InlineData("message_imported")]
    [InlineData("message")]
    public async Task A_webhook_answers_503_in_time_when_storage_accepts_connections_but_never_answers(string type)
    {
        using var blackHole = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blackHole.Start(backlog: 512); // connections complete in the kernel's backlog; nothing ever reads or answers
        var port = ((IPEndPoint)blackHole.LocalEndpoint).Port;
        var frozen = UnreachableStorage.Replace("127.0.0.1:9/", $"127.0.0.1:{port}/", StringComparison.Ordinal);
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = frozen });

        var started = System.Diagnostics.Stopwatch.StartNew();
        var body = type == "message_imported"
            ? FrontPayloads.MessageImported("msg_1", "cnv_1")
            : "{\"type\":\"message\",\"payload\":{\"id\":\"msg_out1\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}},\"body\":\"hi\"}}";
        var response = await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels/cha_frozen", body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // Front's ~7 s less a second for the network between Front and the app (before the answer deadline it took 7.0 s).
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
    }

    [Theory]
    [InlineData("message", "\"id\":\"msg_out1\",")]
    [InlineData("message_autoreply", "")]
    public async Task Outbound_messages_answer_503_when_storage_is_unavailable(string type, string id)
    {
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = UnreachableStorage });
        var body = "{\"type\":\"" + type + "\",\"payload\":{" + id + "\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\",\"message_replied_to\":\"https://api2.frontapp.com/messages/msg_in1\"}},\"body\":\"hi\"}}";

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels/cha_outage", body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Authorization_answers_503_when_storage_is_unavailable()
    {
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = UnreachableStorage });

        var response = await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization("cha_outage"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Lookup_answers_503_not_500_when_storage_is_unavailable()
    {
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = UnreachableStorage });

        var response = await host.Http.GetAsync($"/api/map/cha_outage/messages?external_id=x&code={RunningLocalHost.FunctionKey}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Import_answers_503_not_500_when_storage_is_unavailable()
    {
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = UnreachableStorage });

        var response = await host.Http.PostAsync(
            $"/api/channels/cha_outage/inbound_messages?code={RunningLocalHost.FunctionKey}",
            new StringContent(Integration.Imports.ImportApiTests.Inbound("x").ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
