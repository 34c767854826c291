using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, point 3: the partner reports a reply it could not deliver (<c>POST /api/channels/{channelId}/messages/status</c>)
/// and the app marks it failed in Front (the simulator) with the external conversation id the map holds for it.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PartnerStatusApiTests
{
    [Fact]
    public async Task The_partner_marks_a_reply_failed_and_Front_shows_it_failed_with_its_conversation_reopened()
    {
        await using var two = await TwoWayPipeline.StartAsync(deliver: false);
        var conversationId = await two.ImportMappedAsync("st-in/1", "st thread/1");
        var (result, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = conversationId });

        var (status, body) = await PostStatusAsync(two, new JsonObject { ["external_id"] = answer.ExternalId, ["status"] = "failed", ["reason"] = "Handset unreachable" });

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(answer.ExternalId, body.GetProperty("external_id").GetString());
        Assert.Equal("st thread/1", body.GetProperty("external_conversation_id").GetString());
        Assert.Equal("failed", body.GetProperty("status").GetString());
        var message = (await PartnerOutageTests.SentMessagesAsync(two)).Single(m => m.GetProperty("message_id").GetString() == result.MessageId);
        Assert.Equal("failed", message.GetProperty("status").GetString());
        Assert.Equal("Handset unreachable", message.GetProperty("reason").GetString());
        Assert.True(message.GetProperty("conversation_reopened").GetBoolean());
        Assert.Equal(1, Enrichment.EnrichmentPipeline.Calls(await two.Sim.GetCountersAsync(), PartnerOutageTests.StatusRoute, s => s == "204"));

        // The same report again is the same idempotent PUT: the same answer.
        var (again, _) = await PostStatusAsync(two, new JsonObject { ["external_id"] = answer.ExternalId, ["status"] = "failed", ["reason"] = "Handset unreachable" });
        Assert.Equal(HttpStatusCode.OK, again);
    }

    [Fact]
    public async Task Unknown_ids_bad_bodies_and_Front_refusals_are_clear_4xx_answers_never_500()
    {
        await using var two = await TwoWayPipeline.StartAsync(deliver: false);
        await two.ImportMappedAsync("st-in/2", "st-thread-2");

        var (unknown, unknownBody) = await PostStatusAsync(two, new JsonObject { ["external_id"] = "nobody/1", ["status"] = "failed" });
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("nobody/1", unknownBody.GetProperty("message").GetString(), StringComparison.Ordinal);

        foreach (var bad in new[]
        {
            "{}", "[]", "not json", "{\"external_id\":\"x\",\"status\":\"sent\"}", "{\"external_id\":\"\",\"status\":\"failed\"}",
            "{\"external_id\":\"x\",\"status\":\"failed\",\"reason\":7}", "{\"external_id\":\"x\",\"status\":\"failed\",\"extra\":1}",
            "{\"external_id\":\"x\",\"status\":\"failed\",\"reason\":\"" + new string('r', 501) + "\"}",
        })
        {
            var (status, body) = await PostStatusAsync(two, bad);
            Assert.True(status == HttpStatusCode.BadRequest, $"{bad} → {(int)status} {body}");
            Assert.Equal("bad_request", body.GetProperty("type").GetString());
        }

        // An inbound message: Front refuses (the endpoint is for outbound messages only); its 4xx is passed on with its message.
        var (refused, refusedBody) = await PostStatusAsync(two, new JsonObject { ["external_id"] = "st-in/2", ["status"] = "failed" });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("front_refused", refusedBody.GetProperty("type").GetString());
        Assert.Contains("outbound", refusedBody.GetProperty("message").GetString(), StringComparison.Ordinal);

        // No function key: the host's 401.
        using var anonymous = new HttpRequestMessage(HttpMethod.Post, $"api/channels/{two.ChannelId}/messages/status")
        {
            Content = new StringContent("{\"external_id\":\"x\",\"status\":\"failed\"}", Encoding.UTF8, "application/json"),
        };
        using var noKey = await two.Pipeline.Host.Http.SendAsync(anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    internal static Task<(HttpStatusCode Status, JsonElement Body)> PostStatusAsync(TwoWayPipeline two, JsonObject body) =>
        PostStatusAsync(two, body.ToJsonString());

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> PostStatusAsync(TwoWayPipeline two, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/channels/{two.ChannelId}/messages/status")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await two.Pipeline.Host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement parsed = default;
        try
        {
            parsed = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
        }

        return (response.StatusCode, parsed);
    }
}
