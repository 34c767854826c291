using System.Net.Http.Headers;

namespace FrontFunctions.Front;

/// <summary>
/// Signs each attempt with a fresh channel token just before it leaves (after any rate-limit wait, so a token never
/// expires in a queue, and each retry carries a new <c>jti</c>).
/// </summary>
public sealed class ChannelTokenHandler(ChannelTokenIssuer issuer) : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<string> ChannelId = new("front-channel-id");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ChannelId, out var channelId) || string.IsNullOrEmpty(channelId))
        {
            throw new InvalidOperationException("A Front API request was sent without a channel id to sign its token for.");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue(channelId));
        return base.SendAsync(request, cancellationToken);
    }
}
