using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FrontSimulator.Api;
using FrontSimulator.Control;
using FrontSimulator.Diagnostics;
using FrontSimulator.Model;
using Microsoft.Extensions.Logging;

namespace FrontSimulator.Notifications;

/// <summary>
/// Delivers <c>message_imported</c> notifications to the channel's webhook URL, signed as Front signs, after the
/// notification delay. Optional misbehaviour (runtime settings): every notification twice, or a random share of them
/// (<c>duplicate_rate</c>); out of order (each one is held until the channel's next one is ready, then the newer goes first;
/// a held one is released after max(5 s, 5 × delay) if none follows), or a random share of them (<c>out_of_order_rate</c>:
/// the chosen one is held until the channel's next notification has gone). A non-2xx answer, a failed connection or no
/// answer within <c>timeout_ms</c> is retried with exponential backoff up to <c>max_attempts</c>.
/// </summary>
internal sealed class NotificationDispatcher : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan }; // per attempt: timeout_ms
    private readonly SimulatorStore _store;
    private readonly RuntimeSettings _settings;
    private readonly RequestCounters _counters;
    private readonly SimulatorLifetime _lifetime;
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationDispatcher> _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, PendingNotification> _heldByChannel = new(StringComparer.Ordinal);
    private readonly Random _random;

    public NotificationDispatcher(
        SimulatorStore store, RuntimeSettings settings, RequestCounters counters, SimulatorLifetime lifetime,
        SimulatorOptions options, TimeProvider time, ILogger<NotificationDispatcher> logger)
    {
        _store = store;
        _settings = settings;
        _counters = counters;
        _lifetime = lifetime;
        _options = options;
        _time = time;
        _logger = logger;
        _random = options.RandomSeed is { } seed ? new Random(seed) : new Random();
    }

    private bool Chance(double? rate)
    {
        if (rate is not > 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < rate;
        }
    }

    private sealed record PendingNotification(SimulatedChannel Channel, SimulatedMessage Message, bool Twice);

    public void Reset()
    {
        lock (_gate)
        {
            _heldByChannel.Clear();
        }
    }

    public void MessageImported(SimulatedMessage message)
    {
        var channel = _store.FindChannel(message.ChannelId);
        if (channel?.WebhookUrl is null)
        {
            return;
        }

        var settings = _settings.Notifications;
        var token = _lifetime.Token;
        var pending = new PendingNotification(channel, message, settings.Duplicate == true || Chance(settings.DuplicateRate));
        var holdBack = settings.OutOfOrder != true && Chance(settings.OutOfOrderRate);
        if (pending.Twice)
        {
            _counters.NotificationDuplicated();
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(settings.DelayMs ?? 0), _time, token).ConfigureAwait(false);
                if (settings.OutOfOrder == true)
                {
                    await HoldOrReleaseAsync(pending, settings, token).ConfigureAwait(false);
                }
                else if (holdBack)
                {
                    await HoldBackAsync(pending, settings, token).ConfigureAwait(false);
                }
                else
                {
                    await DeliverThenReleaseHeldAsync(pending, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // reset or shutdown
            }
            catch (Exception ex)
            {
                SimulatorLog.BackgroundFailure(_logger, ex, message.Uid);
            }
        }, CancellationToken.None);
    }

    private async Task HoldOrReleaseAsync(PendingNotification current, NotificationSettings settings, CancellationToken token)
    {
        PendingNotification? held;
        lock (_gate)
        {
            if (_heldByChannel.Remove(current.Channel.ChannelId, out held) is false)
            {
                _heldByChannel[current.Channel.ChannelId] = current;
            }
        }

        if (held is not null)
        {
            await DeliverAsync(current, token).ConfigureAwait(false);
            _counters.NotificationReordered();
            await DeliverAsync(held, token).ConfigureAwait(false);
            return;
        }

        await ReleaseIfStillHeldAsync(current, settings, token).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>out_of_order_rate</c>: holds this one until the channel's next notification has gone (that one delivers it); when
    /// one is held already, this one goes at once and releases the held one after it.
    /// </summary>
    private async Task HoldBackAsync(PendingNotification current, NotificationSettings settings, CancellationToken token)
    {
        bool held;
        lock (_gate)
        {
            held = _heldByChannel.TryAdd(current.Channel.ChannelId, current);
        }

        if (!held)
        {
            await DeliverThenReleaseHeldAsync(current, token).ConfigureAwait(false);
            return;
        }

        await ReleaseIfStillHeldAsync(current, settings, token).ConfigureAwait(false);
    }

    /// <summary>Delivers this one, then the channel's held-back one (if any): that one arrives out of order.</summary>
    private async Task DeliverThenReleaseHeldAsync(PendingNotification current, CancellationToken token)
    {
        PendingNotification? held;
        lock (_gate)
        {
            _heldByChannel.Remove(current.Channel.ChannelId, out held);
        }

        await DeliverAsync(current, token).ConfigureAwait(false);
        if (held is not null)
        {
            _counters.NotificationReordered();
            await DeliverAsync(held, token).ConfigureAwait(false);
        }
    }

    private async Task ReleaseIfStillHeldAsync(PendingNotification current, NotificationSettings settings, CancellationToken token)
    {
        // Held until the next notification of the channel overtakes it; released alone after a generous wait so none is lost
        // (a short wait made the order depend on machine load).
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(5000, 5 * (settings.DelayMs ?? 0))), _time, token).ConfigureAwait(false);
        bool release;
        lock (_gate)
        {
            release = _heldByChannel.TryGetValue(current.Channel.ChannelId, out var stillHeld) && ReferenceEquals(stillHeld, current);
            if (release)
            {
                _heldByChannel.Remove(current.Channel.ChannelId);
            }
        }

        if (release)
        {
            await DeliverAsync(current, token).ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(PendingNotification pending, CancellationToken token)
    {
        var settings = _settings.Notifications;
        var body = System.Text.Encoding.UTF8.GetBytes(Envelope(pending.Message, settings).ToJsonString());
        var copies = pending.Twice ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            await SendWithRetriesAsync(pending, body, settings, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The <c>message_imported</c> notification an existing message would get now (its channel, the body, the conversation
    /// holding the message), for <c>POST /_sim/messages/{id}/notify</c> to send once more; null for an unknown message.
    /// </summary>
    public (string ChannelId, string Body, string ConversationId)? NotificationOf(string messageId) =>
        _store.FindMessage(messageId) is { } message
            ? (message.ChannelId, Envelope(message, _settings.Notifications).ToJsonString(), _store.SurvivingConversationOf(message).Id)
            : null;

    /// <summary>The notification body: <c>{"type":"message_imported","payload":{Message},"metadata":{…}}</c>.</summary>
    private JsonObject Envelope(SimulatedMessage message, NotificationSettings settings)
    {
        var conversation = _store.SurvivingConversationOf(message);
        return new JsonObject
        {
            ["type"] = "message_imported",
            ["payload"] = FrontResources.Message(
                message, conversation, _store.HostOf(message.ChannelId, _options), settings.IncludeExternalId == true, settings.IncludeMessageUid == true),
            ["metadata"] = new JsonObject
            {
                ["external_conversation_id"] = message.ExternalConversationId,
                ["external_conversation_ids"] = new JsonArray([.. conversation.ExternalConversationIds.Select(e => (JsonNode?)e)]),
            },
        };
    }

    private async Task SendWithRetriesAsync(PendingNotification pending, byte[] body, NotificationSettings settings, CancellationToken token)
    {
        var attempts = Math.Max(1, settings.MaxAttempts ?? 1);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            int? status = null;
            var started = _time.GetTimestamp();
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            attemptTimeout.CancelAfter(TimeSpan.FromMilliseconds(settings.TimeoutMs ?? 10_000));
            try
            {
                var timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, pending.Channel.WebhookUrl);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, timestamp);
                request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, WebhookSigner.Sign(pending.Channel.AppSecret, timestamp, body));
                using var response = await _http.SendAsync(request, attemptTimeout.Token).ConfigureAwait(false);
                status = (int)response.StatusCode;
                _counters.NotificationAnswered(_time.GetElapsedTime(started));
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                _counters.NotificationTimedOut(); // no answer within timeout_ms
            }

            _counters.NotificationAttempt(status);
            SimulatorLog.NotificationAttempt(_logger, pending.Message.Id, attempt, status?.ToString(CultureInfo.InvariantCulture) ?? "no answer");
            if (status is >= 200 and < 300)
            {
                return;
            }

            if (attempt < attempts)
            {
                var backoff = TimeSpan.FromMilliseconds((settings.RetryBaseDelayMs ?? 0) * Math.Pow(2, attempt - 1));
                await Task.Delay(backoff, _time, token).ConfigureAwait(false);
            }
        }

        _counters.NotificationAbandoned();
        SimulatorLog.NotificationAbandoned(_logger, pending.Message.Id, attempts);
    }

    public void Dispose() => _http.Dispose();
}
