using FrontFunctions.Front;

namespace FrontFunctions.Tests.Unit.Front;

public class FrontIdsTests
{
    [Theory]
    [InlineData("https://api2.frontapp.com/conversations/cnv_55c8c149", "cnv_55c8c149")]
    [InlineData("https://acme.api.frontapp.com/conversations/cnv_55c8c149", "cnv_55c8c149")]
    [InlineData("https://acme.api.frontapp.com/conversations/cnv_55c8c149/", "cnv_55c8c149")]
    [InlineData("http://127.0.0.1:7072/conversations/cnv_1?x=1", "cnv_1")]
    public void Conversation_id_is_parsed_from_either_link_form(string link, string expected) =>
        Assert.Equal(expected, FrontIds.ConversationIdFromLink(link));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cnv_1")]
    [InlineData("https://api2.frontapp.com/messages/msg_1")]
    [InlineData("https://api2.frontapp.com/conversations/")]
    [InlineData("https://api2.frontapp.com/conversations/msg_1")]
    [InlineData("https://api2.frontapp.com/conversations/cnv_1%2F..")]
    public void Anything_else_is_not_a_conversation_link(string? link) =>
        Assert.Null(FrontIds.ConversationIdFromLink(link));

    [Theory]
    [InlineData("cha_1", true)]
    [InlineData("cha_abc-DEF_9", true)]
    [InlineData("cha_", false)]
    [InlineData("cha_1/2", false)]
    [InlineData("msg_1", false)]
    [InlineData("cha_1 ", false)]
    public void Channel_ids_are_recognised(string id, bool expected) => Assert.Equal(expected, FrontIds.IsChannelId(id));
}
