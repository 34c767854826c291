using System.Net;
using System.Text.Json.Nodes;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>Channel tokens are checked as Front checks them, and only see their own channel.</summary>
public sealed class ChannelTokenTests : IAsyncLifetime
{
    private SimHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string, string> BadTokens()
    {
        var now = TestTokens.Now;
        return new TheoryData<string, string>
        {
            { "bad signature", TestTokens.Sign("not-the-app-secret", TestTokens.Claims(AppUid, ChannelA)) },
            { "signed with channel B's secret", TestTokens.Sign(SecretB, TestTokens.Claims(AppUid, ChannelA)) },
            { "wrong iss", TestTokens.Sign(SecretA, TestTokens.Claims("app_other", ChannelA)) },
            { "sub names an unknown channel", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, "cha_unknown")) },
            { "sub is another channel", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelB)) },
            { "expired", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA, exp: now - 5)) },
            { "exp more than 30 s ahead", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA, exp: now + 3600)) },
            { "no exp", TestTokens.Sign(SecretA, new JsonObject { ["iss"] = AppUid, ["sub"] = ChannelA, ["jti"] = "j1" }) },
            { "missing jti", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA, includeJti: false)) },
            { "empty jti", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA, jti: "")) },
            { "alg none", TestTokens.Unsigned(TestTokens.Claims(AppUid, ChannelA)) },
            { "alg HS512", TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA), alg: "HS512") },
            { "not a JWT", "definitely-not-a-jwt" },
            { "payload is not JSON", "eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln" },
            { "exp is not a number", TestTokens.Sign(SecretA, new JsonObject { ["iss"] = AppUid, ["sub"] = ChannelA, ["jti"] = "j", ["exp"] = "soon" }) },
            { "sub is a number", TestTokens.Sign(SecretA, new JsonObject { ["iss"] = AppUid, ["sub"] = 42, ["jti"] = "j", ["exp"] = now + 10 }) },
        };
    }

    // Enumerated when the theory runs, not at discovery: the tokens carry times (exp), and a loaded machine can start the
    // theory tens of seconds after discovery (seen in CI: "exp more than 30 s ahead" had become 29 s ahead and valid).
    [Theory]
    [MemberData(nameof(BadTokens), DisableDiscoveryEnumeration = true)]
    public async Task Import_with_a_bad_token_is_401_and_counted(string why, string token)
    {
        using var response = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e1", "c1"), token);

        Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{why}: got {(int)response.StatusCode}");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["_error"]!;
        Assert.Equal(401, error["status"]!.GetValue<int>());
        Assert.Equal(1, (await _h.Control.GetCountersAsync()).TokensRejected);
    }

    [Fact]
    public async Task A_valid_token_is_accepted_including_one_expiring_in_29_seconds()
    {
        var token = TestTokens.Sign(SecretA, TestTokens.Claims(AppUid, ChannelA, exp: TestTokens.Now + 29));

        using var response = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e1", "c1"), token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Missing_authorization_is_401()
    {
        using var response = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e1", "c1"), token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_for_channel_A_cannot_import_into_channel_B()
    {
        using var response = await _h.PostAsync($"/channels/{ChannelB}/inbound_messages", Inbound("e1", "c1"), Token(ChannelA));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty((await _h.Control.GetChannelAsync(ChannelB)).PendingMessageUids);
    }

    [Fact]
    public async Task A_token_for_channel_A_gets_404_for_channel_B_message_and_conversation()
    {
        var message = await _h.ImportAndWaitAsync(ChannelB, "b-1", "b-conv");

        using var byId = await _h.GetAsync($"/messages/{message.Id}", Token(ChannelA));
        using var byUid = await _h.GetAsync($"/messages/alt:uid:{message.MessageUid}", Token(ChannelA));
        using var conversation = await _h.GetAsync($"/conversations/{message.ConversationId}", Token(ChannelA));
        using var own = await _h.GetAsync($"/messages/{message.Id}", Token(ChannelB));

        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byUid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, conversation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task The_company_token_sees_every_channel_without_channel_metadata()
    {
        var message = await _h.ImportAndWaitAsync(ChannelB, "b-1", "b-conv");

        using var response = await _h.GetAsync($"/messages/{message.Id}", new SimulatorOptions().CompanyApiToken);
        using var conversation = await _h.GetAsync($"/conversations/{message.ConversationId}", new SimulatorOptions().CompanyApiToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["metadata"]);
        var metadata = JsonNode.Parse(await conversation.Content.ReadAsStringAsync())!["metadata"]!.AsObject();
        Assert.False(metadata.ContainsKey("external_conversation_ids"));
    }

    [Fact]
    public async Task The_company_token_cannot_use_the_sync_endpoints()
    {
        using var response = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e1", "c1"), new SimulatorOptions().CompanyApiToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_channel_answers_its_own_token_until_it_is_removed_then_its_token_is_401()
    {
        using (var own = await _h.GetAsync($"/channels/{ChannelA}", Token(ChannelA)))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.Equal(ChannelA, JsonNode.Parse(await own.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }

        using (var other = await _h.GetAsync($"/channels/{ChannelA}", Token(ChannelB)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        await _h.Control.DeleteChannelAsync(ChannelA);

        using (var removed = await _h.GetAsync($"/channels/{ChannelA}", Token(ChannelA)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, removed.StatusCode);
        }

        using (var import = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e-after", "c1"), Token(ChannelA)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, import.StatusCode);
        }

        using (var stillThere = await _h.GetAsync($"/channels/{ChannelB}", Token(ChannelB)))
        {
            Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        }
    }
}
