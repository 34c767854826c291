using System.Net.Http.Json;

namespace FrontSimulator.Control;

/// <summary>The control API of the partner API's routes: a conversation's state, the channel-token refusal switch.</summary>
public sealed partial class SimulatorControl
{
    /// <summary>Makes Front refuse a channel token (403) on these routes (<c>"PATCH /conversations/{conversation_id}"</c>, or <c>"*"</c>); empty: none.</summary>
    public Task SetChannelTokenRefusalsAsync(IReadOnlyList<string> routes, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sim/channel-token-refusals", new ChannelTokenRefusalSettings { Routes = routes }, ct);

    /// <summary>A conversation's status, assignee, tags, comments and seen marks (the survivor's, for a merged id).</summary>
    public async Task<ConversationStateSnapshot> GetConversationStateAsync(string conversationId, CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<ConversationStateSnapshot>(new Uri(BaseUrl, $"_sim/conversations/{Uri.EscapeDataString(conversationId)}/state"), ControlJson.Options, ct).ConfigureAwait(false))!;
}
