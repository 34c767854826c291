using FrontFunctions.Telemetry;

namespace FrontFunctions.Tests.Unit.Telemetry;

/// <summary>Front API paths become route templates: no id ever reaches a metric tag.</summary>
public sealed class FrontRoutesTests
{
    [Theory]
    [InlineData("https://api2.frontapp.com/messages/msg_1a2b3c", "/messages/{message_id}")]
    [InlineData("https://acme.api.frontapp.com/messages/msg_1a2b3c?x=1", "/messages/{message_id}")]
    [InlineData("https://api2.frontapp.com/messages/alt:uid:1f96e0", "/messages/alt:uid:{message_uid}")]
    [InlineData("https://api2.frontapp.com/messages/alt%3Auid%3A1f96e0", "/messages/alt:uid:{message_uid}")]
    [InlineData("http://127.0.0.1:7072/conversations/cnv_55", "/conversations/{conversation_id}")]
    [InlineData("https://api2.frontapp.com/conversations/cnv_55/", "/conversations/{conversation_id}")]
    [InlineData("https://api2.frontapp.com/channels/cha_9/inbound_messages", "/channels/{channel_id}/inbound_messages")]
    [InlineData("https://api2.frontapp.com/channels/cha_9/outbound_messages", "/channels/{channel_id}/outbound_messages")]
    [InlineData("https://api2.frontapp.com/channels/cha_9", "/channels/{channel_id}")]
    [InlineData("https://api2.frontapp.com/", "other")]
    [InlineData("https://api2.frontapp.com/me", "other")]
    [InlineData("https://api2.frontapp.com/messages/msg_1/comments/com_2", "other")]
    [InlineData("https://api2.frontapp.com/channels/cha_9/secret_thing", "other")]
    public void Absolute_urls_become_templates(string url, string template) =>
        Assert.Equal(template, FrontRoutes.Template(new Uri(url)));

    [Theory]
    [InlineData("messages/msg_1", "/messages/{message_id}")]
    [InlineData("conversations/cnv_2?q=1", "/conversations/{conversation_id}")]
    public void Relative_paths_as_the_client_sends_them_become_templates(string path, string template) =>
        Assert.Equal(template, FrontRoutes.Template(new Uri(path, UriKind.Relative)));

    [Fact]
    public void No_uri_is_other() => Assert.Equal("other", FrontRoutes.Template((Uri?)null));

    [Fact]
    public void Ten_thousand_ids_make_one_template_each()
    {
        var templates = Enumerable.Range(0, 10_000)
            .SelectMany(i => new[]
            {
                FrontRoutes.Template(new Uri($"https://api2.frontapp.com/messages/msg_{i}")),
                FrontRoutes.Template(new Uri($"https://api2.frontapp.com/messages/alt:uid:{Guid.NewGuid():N}")),
                FrontRoutes.Template(new Uri($"https://api2.frontapp.com/conversations/cnv_{i}")),
                FrontRoutes.Template(new Uri($"https://api2.frontapp.com/channels/cha_{i}/inbound_messages")),
            })
            .Distinct()
            .ToList();

        Assert.Equal(4, templates.Count);
        Assert.DoesNotContain(templates, t => t.Contains("msg_", StringComparison.Ordinal) || t.Contains("cnv_", StringComparison.Ordinal));
    }
}
