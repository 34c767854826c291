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
