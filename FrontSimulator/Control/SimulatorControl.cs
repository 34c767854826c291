using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Auth;

namespace FrontSimulator.Control;

/// <summary>
/// Typed client of the simulator's control API (<c>/_sim/…</c>), for tests and demos. Every method throws
/// <see cref="HttpRequestException"/> when the simulator refuses the call.
/// </summary>
public sealed partial class SimulatorControl : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    public SimulatorControl(Uri baseUrl, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _ownsClient = httpClient is null;
        _http = httpClient ?? new HttpClient();
    }

    public Uri BaseUrl { get; }

    public Task CreateChannelAsync(ChannelRegistration channel, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "_sim/channels", channel, ct);

    public Task CreateChannelAsync(string channelId, string appUid, string appSecret, Uri? webhookUrl, CancellationToken ct = default) =>
        CreateChannelAsync(new ChannelRegistration(channelId, appUid, appSecret, webhookUrl?.AbsoluteUri), ct);

    /// <summary>A channel installed in Front company <paramref name="company"/> (its links use <c>https://{company}.api.frontapp.com</c>).</summary>
    public Task CreateChannelAsync(string channelId, string appUid, string appSecret, Uri? webhookUrl, string company, CancellationToken ct = default) =>
        CreateChannelAsync(new ChannelRegistration(channelId, appUid, appSecret, webhookUrl?.AbsoluteUri, company), ct);

    /// <summary>Gives <paramref name="company"/> its own limit per minute (its windows restart); the burst limit stays the global one.</summary>
    public Task SetCompanyRateLimitAsync(string company, int requestsPerMinute, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"_sim/companies/{Uri.EscapeDataString(company)}/rate-limit", new CompanyRateLimit(requestsPerMinute), ct);

    /// <summary>Removes the channel as a Front user would: its token is refused (401) from now on.</summary>
    public Task DeleteChannelAsync(string channelId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, "_sim/channels/" + Uri.EscapeDataString(channelId), null, ct);

    /// <summary>Merges conversation <paramref name="from"/> into <paramref name="into"/> (the survivor).</summary>
    public Task MergeAsync(string from, string into, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "_sim/merge", new MergeRequest(from, into), ct);

    public Task SetRateLimitAsync(int requestsPerMinute, int burstPerSecond, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sim/rate-limit", new RateLimitSettings { RequestsPerMinute = requestsPerMinute, BurstPerSecond = burstPerSecond }, ct);

    /// <summary>Changes the notification behaviour; null fields keep their value.</summary>
    public Task SetNotificationsAsync(NotificationSettings settings, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sim/notifications", settings, ct);

    public Task SetImportDelayAsync(TimeSpan delay, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sim/import-delay", new ImportDelaySettings((int)delay.TotalMilliseconds), ct);

    /// <summary>Changes fault injection; null fields keep their value.</summary>
    public Task SetFaultsAsync(FaultSettings faults, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sim/faults", faults, ct);

    public async Task<SimulatorCounters> GetCountersAsync(CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<SimulatorCounters>(new Uri(BaseUrl, "_sim/counters"), ControlJson.Options, ct).ConfigureAwait(false))!;

    public async Task<SimulatorSettingsSnapshot> GetSettingsAsync(CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<SimulatorSettingsSnapshot>(new Uri(BaseUrl, "_sim/settings"), ControlJson.Options, ct).ConfigureAwait(false))!;

    /// <summary>The channel's conversations and messages, plus imports accepted but not yet created.</summary>
    public async Task<ChannelSnapshot> GetChannelAsync(string channelId, CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<ChannelSnapshot>(
            new Uri(BaseUrl, $"_sim/channels/{Uri.EscapeDataString(channelId)}/conversations"), ControlJson.Options, ct).ConfigureAwait(false))!;

    /// <summary>The messages teammates sent on the channel, with the status the app set (<c>sent</c> / <c>failed</c>).</summary>
    public async Task<SentMessagesSnapshot> GetSentMessagesAsync(string channelId, CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<SentMessagesSnapshot>(
            new Uri(BaseUrl, $"_sim/channels/{Uri.EscapeDataString(channelId)}/sent-messages"), ControlJson.Options, ct).ConfigureAwait(false))!;

    /// <summary>
    /// Has the simulator send a teammate's <c>message</c> (or an auto-reply) to the channel's webhook, signed as Front signs,
    /// and returns what the webhook answered and the exact request body.
    /// </summary>
    public Task<TeammateMessageResult> SendTeammateMessageAsync(string channelId, TeammateMessage message, CancellationToken ct = default) =>
        PostForAsync<TeammateMessageResult>($"_sim/channels/{Uri.EscapeDataString(channelId)}/messages", message, ct);

    /// <summary>Creates an empty conversation in the channel (no messages, no external ids); returns its id.</summary>
    public async Task<string> CreateConversationAsync(string channelId, CancellationToken ct = default) =>
        (await PostForAsync<NewConversation>($"_sim/channels/{Uri.EscapeDataString(channelId)}/conversations", new { }, ct).ConfigureAwait(false)).ConversationId;

    /// <summary>Sends a request body again to the channel's webhook, freshly signed (Front's retry of a delivery).</summary>
    public Task<TeammateMessageResult> RedeliverAsync(string channelId, string requestBody, CancellationToken ct = default) =>
        PostForAsync<TeammateMessageResult>($"_sim/channels/{Uri.EscapeDataString(channelId)}/redeliver", new Redelivery(requestBody), ct);

    /// <summary>
    /// Has the simulator send an existing message's <c>message_imported</c> notification once more, now (one attempt, signed,
    /// not counted among the notification counters), and returns what the webhook answered (status 0: no answer in time).
    /// </summary>
    public Task<TeammateMessageResult> NotifyAgainAsync(string messageId, CancellationToken ct = default) =>
        PostForAsync<TeammateMessageResult>($"_sim/messages/{Uri.EscapeDataString(messageId)}/notify", new { }, ct);

    private async Task<T> PostForAsync<T>(string path, object body, CancellationToken ct)
    {
        using var content = JsonContent.Create(body, body.GetType(), options: ControlJson.Options);
        using var response = await _http.PostAsync(new Uri(BaseUrl, path), content, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /{path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        return JsonSerializer.Deserialize<T>(text, ControlJson.Options)!;
    }

    /// <summary>Forgets every channel, conversation, message and counter and restores the start-up settings.</summary>
    public Task ResetAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Post, "_sim/reset", null, ct);

    /// <summary>Mints a channel token and POSTs a minimal <c>InboundMessage</c> to <c>/channels/{id}/inbound_messages</c>.</summary>
    public Task<ImportResult> ImportInboundAsync(
        string channelId, string appUid, string secret, string externalId, string externalConversationId, string body, CancellationToken ct = default)
    {
        var message = new JsonObject
        {
            ["sender"] = new JsonObject { ["handle"] = "sim-sender" },
            ["body"] = body,
            ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = externalConversationId },
        };
        return PostImportAsync(channelId, appUid, secret, "inbound_messages", message, ct);
    }

    /// <summary>Mints a channel token and POSTs a minimal <c>OutboundMessage</c> to <c>/channels/{id}/outbound_messages</c>.</summary>
    public Task<ImportResult> ImportOutboundAsync(
        string channelId, string appUid, string secret, string externalId, string externalConversationId, string body, CancellationToken ct = default)
    {
        var message = new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["handle"] = "sim-recipient" }),
            ["body"] = body,
            ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = externalConversationId },
        };
        return PostImportAsync(channelId, appUid, secret, "outbound_messages", message, ct);
    }

    private async Task<ImportResult> PostImportAsync(string channelId, string appUid, string secret, string endpoint, JsonObject message, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, $"channels/{Uri.EscapeDataString(channelId)}/{endpoint}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ChannelTokens.Create(appUid, secret, channelId));
        request.Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string? uid = null;
        if (response.IsSuccessStatusCode)
        {
            try
            {
                uid = JsonNode.Parse(text)?["message_uid"]?.GetValue<string>();
            }
            catch (JsonException)
            {
            }
        }

        return new ImportResult((int)response.StatusCode, uid, text);
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUrl, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ControlJson.Options);
        }

        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new HttpRequestException($"{method} /{path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }
}
