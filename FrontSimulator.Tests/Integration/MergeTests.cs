using System.Net;
using System.Text.Json.Nodes;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>Merged conversations: 301 to the survivor, ids carried over, messages relinked.</summary>
public sealed class MergeTests : IAsyncLifetime
{
    private SimHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_merged_away_conversation_answers_301_to_the_survivor_which_carries_both_external_ids()
    {
        var loser = await _h.ImportAndWaitAsync(ChannelA, "m-1", "thread-old");
        var survivor = await _h.ImportAndWaitAsync(ChannelA, "m-2", "thread-new");

        await _h.Control.MergeAsync(loser.ConversationId, survivor.ConversationId);

        using var redirect = await _h.GetAsync($"/conversations/{loser.ConversationId}", Token(ChannelA));
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.Equal(new Uri(_h.Sim.BaseUrl, $"/conversations/{survivor.ConversationId}"), location);
        Assert.NotNull(redirect.Headers.GetValues("x-ratelimit-remaining").Single());

        using var followed = await _h.GetAsync(location.AbsoluteUri, Token(ChannelA));
        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
        var body = await followed.Content.ReadAsStringAsync();
        FrontSchemas.AssertValid(FrontSchemas.ConversationResponse, body);
        var ids = JsonNode.Parse(body)!["metadata"]!["external_conversation_ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(["thread-new", "thread-old"], ids.Order());
    }

    [Fact]
    public async Task Messages_of_the_merged_away_conversation_link_to_the_survivor_and_new_imports_thread_there()
    {
        var loser = await _h.ImportAndWaitAsync(ChannelA, "m-1", "thread-old");
        var survivor = await _h.ImportAndWaitAsync(ChannelA, "m-2", "thread-new");
        await _h.Control.MergeAsync(loser.ConversationId, survivor.ConversationId);

        using var response = await _h.GetAsync($"/messages/{loser.Id}", Token(ChannelA));
        var link = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["_links"]!["related"]!["conversation"]!.GetValue<string>();
        var later = await _h.ImportAndWaitAsync(ChannelA, "m-3", "thread-old");

        Assert.EndsWith("/conversations/" + survivor.ConversationId, link, StringComparison.Ordinal);
        Assert.Equal(survivor.ConversationId, later.ConversationId);
        var snapshot = await _h.Control.GetChannelAsync(ChannelA);
        Assert.Equal(survivor.ConversationId, snapshot.Conversations.Single(c => c.Id == loser.ConversationId).MergedInto);
    }

    [Fact]
    public async Task Merging_unknown_conversations_is_refused()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _h.Control.MergeAsync("cnv_nope", "cnv_neither"));
    }
}
