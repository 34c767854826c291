using Azure.Data.Tables;
using FrontFunctions.Channels;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// The answer to a teammate's reply trusts what this instance saw of the conversation for <see cref="IdMapStore.AnswerMemory"/>:
/// its own writes show at once, another instance's once that memory is older than the bound.
/// </summary>
public sealed class OutboundAnswerMemoryTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FrontTestHost _host;
    private readonly string _channel = TestStorage.NewChannelId();

    public OutboundAnswerMemoryTests() =>
        _host = FrontTestHost.Create(configure: services => services.AddSingleton<TimeProvider>(_time));

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private IdMapStore OtherInstance() =>
        new(new TableServiceClient(TestStorage.ConnectionString), TimeProvider.System);

    [Fact]
    public async Task A_partner_id_another_instance_adds_is_answered_once_the_memory_is_older_than_its_bound()
    {
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        Assert.Equal("front:cnv_new", await AnswerAsync("msg_1", "cnv_new")); // minted, and remembered here

        await OtherInstance().RecordConversationAsync(_channel, "cnv_new", ["sms:+15550100"]);
        Assert.Equal("front:cnv_new", await AnswerAsync("msg_2", "cnv_new")); // still an id of the conversation

        _time.Advance(IdMapStore.AnswerMemory);
        Assert.Equal("sms:+15550100", await AnswerAsync("msg_3", "cnv_new")); // the partner's own, preferred
    }

    [Fact]
    public async Task A_merge_recorded_here_is_followed_by_the_next_answer_at_once()
    {
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        var map = _host.Get<IdMapStore>();
        await map.RecordConversationAsync(_channel, "cnv_1", ["sms:+15550101"]);
        await map.RecordConversationAsync(_channel, "cnv_2", ["sms:+15550102"]);
        Assert.Equal("sms:+15550101", await AnswerAsync("msg_1", "cnv_1"));

        await map.RecordMergeAsync(_channel, "cnv_1", "cnv_2", confirmedByFront: true);

        Assert.Equal("sms:+15550102", await AnswerAsync("msg_2", "cnv_1")); // the survivor's, not the remembered one
        Assert.Equal("cnv_2", (await map.FindMessageByFrontIdAsync(_channel, "msg_2"))!.ConversationId);
    }

    [Fact]
    public async Task An_id_added_here_is_answered_at_once()
    {
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        Assert.Equal("front:cnv_new", await AnswerAsync("msg_1", "cnv_new"));

        await _host.Get<IdMapStore>().RecordConversationAsync(_channel, "cnv_new", ["sms:+15550100"]);

        Assert.Equal("sms:+15550100", await AnswerAsync("msg_2", "cnv_new"));
    }

    private async Task<string?> AnswerAsync(string messageId, string conversationId)
    {
        var answer = await _host.Get<OutboundAnswerer>().AnswerAsync(_channel, TeammateReply.Envelope(messageId, conversationId), CancellationToken.None);
        Assert.Equal(200, answer.StatusCode);
        return Assert.IsType<OutboundAnswer>(answer.Body).ExternalConversationId;
    }
}
