using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FrontFunctions.Front;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;
using FrontSimulator.Notifications;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>message_imported notifications: signature, envelope, switchable fields, retries, duplicates, order.</summary>
public sealed class NotificationTests : IAsyncLifetime
{
    private WebhookReceiver _webhook = null!;
    private SimHarness _h = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        _h = await StartAsync(_webhook.Url);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    [Fact]
    public void The_signer_matches_the_openssl_known_answer()
    {
        // printf '%s' '1700000000000:{"type":"delete","payload":{"channel_id":"cha_1"}}' | openssl dgst -sha256 -hmac front-test-secret -binary | base64
        var body = Encoding.UTF8.GetBytes("""{"type":"delete","payload":{"channel_id":"cha_1"}}""");

        Assert.Equal("vN8m0eZqIHRk7gwA8pw4lRwN60IOILlrltV6lmivcM8=", WebhookSigner.Sign("front-test-secret", "1700000000000", body));
        Assert.Equal("vN8m0eZqIHRk7gwA8pw4lRwN60IOILlrltV6lmivcM8=", FrontWebhookSigner.Sign("front-test-secret", "1700000000000", body));
    }

    [Fact]
    public async Task A_notification_is_signed_as_Front_signs_and_shaped_as_the_changelog_says()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext-1", "thread é/1");

        var received = (await _webhook.WaitForAsync(1)).Single();

        Assert.Equal(FrontWebhookSigner.Sign(SecretA, received.Timestamp!, received.Body), received.Signature);
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(received.Timestamp!, CultureInfo.InvariantCulture));
        Assert.InRange((DateTimeOffset.UtcNow - sentAt).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
        var json = received.Json;
        Assert.Equal("message_imported", json["type"]!.GetValue<string>());
        Assert.Equal("thread é/1", json["metadata"]!["external_conversation_id"]!.GetValue<string>());
        Assert.Equal(["thread é/1"], json["metadata"]!["external_conversation_ids"]!.AsArray().Select(n => n!.GetValue<string>()));
        var payload = json["payload"]!;
        Assert.Equal(message.Id, payload["id"]!.GetValue<string>());
        Assert.Equal($"https://acme.api.frontapp.com/conversations/{message.ConversationId}",
            payload["_links"]!["related"]!["conversation"]!.GetValue<string>());
        FrontSchemas.AssertValid(FrontSchemas.MessageResponse, payload.ToJsonString());
        // default: Front's unconfirmed fields are left out
        Assert.Null(payload["message_uid"]);
        Assert.Null(payload["metadata"]);
    }

    [Fact]
    public async Task Every_notification_attempt_verifies_with_the_function_app_signature_verifier()
    {
        _webhook.StatusFor = n => n == 0 ? 502 : 200;
        var verifier = new FrontSignatureVerifier(
            Microsoft.Extensions.Options.Options.Create(new FrontOptions { AppSecret = SecretA }), TimeProvider.System);
        var otherAppVerifier = new FrontSignatureVerifier(
            Microsoft.Extensions.Options.Options.Create(new FrontOptions { AppSecret = SecretB }), TimeProvider.System);
        await _h.ImportAndWaitAsync(ChannelA, "ext-v", "thread-v");

        var received = await _webhook.WaitForAsync(2);

        Assert.All(received, r => Assert.Equal(SignatureCheck.Valid, verifier.Verify(r.Timestamp, r.Signature, r.Body)));
        Assert.All(received, r => Assert.Equal(SignatureCheck.Mismatch, otherAppVerifier.Verify(r.Timestamp, r.Signature, r.Body)));
    }

    [Fact]
    public async Task External_id_and_message_uid_are_switchable_in_the_payload()
    {
        await _h.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = true, IncludeMessageUid = true });
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext-2", "thread-2");

        var payload = (await _webhook.WaitForAsync(1)).Single().Json["payload"]!;

        Assert.Equal("ext-2", payload["metadata"]!["external_id"]!.GetValue<string>());
        Assert.Equal(message.MessageUid, payload["message_uid"]!.GetValue<string>());
        FrontSchemas.AssertValid(FrontSchemas.MessageResponse, payload.ToJsonString());
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_until_it_answers_2xx_and_attempts_are_counted()
    {
        _webhook.StatusFor = n => n < 2 ? 500 : 200;
        await _h.ImportAndWaitAsync(ChannelA, "ext-3", "thread-3");

        var all = await _webhook.WaitForAsync(1, successful: true);

        var received = _webhook.Received;
        Assert.Equal(3, received.Count);
        Assert.Equal([500, 500, 200], received.Select(r => r.AnsweredStatus));
        Assert.Single(received.Select(r => Encoding.UTF8.GetString(r.Body)).Distinct()); // the same body each time
        Assert.All(received, r => Assert.Equal(FrontWebhookSigner.Sign(SecretA, r.Timestamp!, r.Body), r.Signature));
        var counters = await Eventually.UntilAsync(
            async () => await _h.Control.GetCountersAsync() is { Notifications.Attempts: 3 } c ? c : null, "3 counted attempts");
        Assert.Equal(1, counters.Notifications.Delivered);
        Assert.Equal(2, counters.Notifications.FailedAttempts);
        Assert.Equal(2, counters.Notifications.ByStatus["500"]);
        Assert.Equal(1, counters.Notifications.ByStatus["200"]);
        Assert.Single(all);
    }

    [Fact]
    public async Task Notify_again_sends_the_message_s_notification_once_more_signed_and_reports_the_answer_without_counting_it()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext-again", "thread-again");
        var first = (await _webhook.WaitForAsync(1, successful: true)).Single();
        await Eventually.UntilAsync(async () => await _h.Control.GetCountersAsync() is { Notifications.Attempts: 1 } c ? c : null, "1 counted attempt");
        _webhook.StatusFor = _ => 503;

        var again = await _h.Control.NotifyAgainAsync(message.Id);

        Assert.Equal(503, again.Status);
        Assert.Equal(message.Id, again.MessageId);
        var received = _webhook.Received;
        Assert.Equal(2, received.Count);
        Assert.Equal(Encoding.UTF8.GetString(first.Body), Encoding.UTF8.GetString(received[1].Body)); // the same notification
        Assert.Equal(again.Request, Encoding.UTF8.GetString(received[1].Body));
        Assert.Equal(FrontWebhookSigner.Sign(SecretA, received[1].Timestamp!, received[1].Body), received[1].Signature);
        var counters = await _h.Control.GetCountersAsync();
        Assert.Equal(1, counters.Notifications.Attempts); // a control action: Front's own attempts stay as they were
        Assert.Equal(0, counters.Notifications.FailedAttempts);
        await Assert.ThrowsAsync<HttpRequestException>(() => _h.Control.NotifyAgainAsync("msg_unknown"));
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_abandoned_after_max_attempts()
    {
        _webhook.StatusFor = _ => 503;
        await _h.Control.SetNotificationsAsync(new NotificationSettings { MaxAttempts = 3 });
        await _h.ImportAndWaitAsync(ChannelA, "ext-4", "thread-4");

        var counters = await Eventually.UntilAsync(
            async () => await _h.Control.GetCountersAsync() is { Notifications.Abandoned: 1 } c ? c : null, "an abandoned notification");

        Assert.Equal(3, counters.Notifications.Attempts);
        Assert.Equal(3, _webhook.Received.Count);
    }

    [Fact]
    public async Task Duplicate_delivers_every_notification_twice()
    {
        await _h.Control.SetNotificationsAsync(new NotificationSettings { Duplicate = true });
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext-5", "thread-5");

        var received = await _webhook.WaitForAsync(2);

        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.Equal(message.Id, r.Json["payload"]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Out_of_order_delivers_the_newer_notification_first()
    {
        // a 1 s delay holds the first notification for 2 s: ample time for the second import even on a loaded machine
        await _h.Control.SetNotificationsAsync(new NotificationSettings { OutOfOrder = true, DelayMs = 1000 });
        var first = await _h.ImportAndWaitAsync(ChannelA, "ext-6a", "thread-6");
        var second = await _h.ImportAndWaitAsync(ChannelA, "ext-6b", "thread-6");

        var received = await _webhook.WaitForAsync(2);

        Assert.Equal([second.Id, first.Id], received.Select(r => r.Json["payload"]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_duplicate_rate_delivers_about_that_share_twice_and_counts_them()
    {
        await _h.Control.SetNotificationsAsync(new NotificationSettings { DuplicateRate = 0.5, DelayMs = 0 });
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(202, (await _h.Control.ImportInboundAsync(ChannelA, AppUid, SecretA, $"ext-dup{i}", $"thread-dup{i % 4}", "<p>x</p>")).StatusCode);
        }

        var counters = await Eventually.UntilAsync(
            async () => await _h.Control.GetCountersAsync() is { } c && c.Notifications.Delivered == 40 + c.Notifications.Duplicated ? c : null,
            "40 notifications plus their duplicates delivered");

        Assert.InRange(counters.Notifications.Duplicated, 8, 32); // 50 % of 40, far from 0 and from all
        var received = _webhook.Received.GroupBy(r => r.Json["payload"]!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(40, received.Count);
        Assert.Equal(counters.Notifications.Duplicated, received.Count(g => g.Count() == 2));
    }

    [Fact]
    public async Task An_out_of_order_rate_holds_a_notification_back_until_the_channel_s_next_one_has_gone()
    {
        await _h.Control.SetNotificationsAsync(new NotificationSettings { OutOfOrderRate = 1, DelayMs = 0 });
        var first = await _h.ImportAndWaitAsync(ChannelA, "ext-ooo-a", "thread-ooo");
        var second = await _h.ImportAndWaitAsync(ChannelA, "ext-ooo-b", "thread-ooo"); // one is held already: this one goes

        var received = await _webhook.WaitForAsync(2);

        Assert.Equal([second.Id, first.Id], received.Select(r => r.Json["payload"]!["id"]!.GetValue<string>()));
        Assert.Equal(1, (await _h.Control.GetCountersAsync()).Notifications.Reordered);
    }

    [Fact]
    public async Task An_attempt_without_an_answer_within_the_timeout_counts_as_timed_out_and_is_retried()
    {
        _webhook.DelayFor = n => n == 0 ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
        await _h.Control.SetNotificationsAsync(new NotificationSettings { TimeoutMs = 500, RetryBaseDelayMs = 0 });
        await _h.ImportAndWaitAsync(ChannelA, "ext-slow", "thread-slow");

        var counters = await Eventually.UntilAsync(
            async () => await _h.Control.GetCountersAsync() is { Notifications.Delivered: 1 } c ? c : null, "the retry delivered");

        Assert.Equal(1, counters.Notifications.TimedOut);
        Assert.Equal(2, counters.Notifications.Attempts);
        Assert.InRange(counters.Notifications.SlowestAnswerMs, 0, 2999); // the slow attempt was cut off, not waited for
    }

    [Fact]
    public async Task After_a_merge_the_notification_lists_every_external_conversation_id()
    {
        var loser = await _h.ImportAndWaitAsync(ChannelA, "ext-7a", "thread-7a");
        var survivor = await _h.ImportAndWaitAsync(ChannelA, "ext-7b", "thread-7b");
        await _webhook.WaitForAsync(2);
        await _h.Control.MergeAsync(loser.ConversationId, survivor.ConversationId);

        await _h.ImportAndWaitAsync(ChannelA, "ext-7c", "thread-7a");
        var last = (await _webhook.WaitForAsync(3))[2].Json;

        Assert.Equal("thread-7a", last["metadata"]!["external_conversation_id"]!.GetValue<string>());
        Assert.Equal(["thread-7a", "thread-7b"], last["metadata"]!["external_conversation_ids"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.EndsWith("/conversations/" + survivor.ConversationId, last["payload"]!["_links"]!["related"]!["conversation"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
