using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Outbound;

/// <summary>
/// POSTs events to <c>Partner__OutboundUrl</c> (a typed <see cref="HttpClient"/>: retries, timeouts and the Standard Webhooks
/// signature of every attempt are handlers around it, see <see cref="OutboundServices"/>).
/// </summary>
public sealed class PartnerClient(HttpClient http, IOptions<PartnerOptions> options)
{
    /// <summary>
    /// Sends one event; returns the partner's status code and, for a 3xx, its <c>Location</c> (never followed: the handler
    /// does not redirect). Throws on no answer (connection, timeout).
    /// </summary>
    public async Task<PartnerAnswer> PostAsync(string webhookId, byte[] body, CancellationToken cancellationToken)
    {
        var url = options.Value.Endpoint ?? throw new InvalidOperationException("Partner__OutboundUrl is not set.");
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(StandardWebhookSigner.IdHeader, webhookId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        return new PartnerAnswer(status, status is >= 300 and < 400 ? response.Headers.Location : null);
    }
}

/// <summary>What the partner answered: the status code, and where a 3xx pointed (not followed).</summary>
public sealed record PartnerAnswer(int Status, Uri? Location);

/// <summary>
/// Signs each attempt (inside the retry handler, so every attempt carries its own fresh <c>webhook-timestamp</c>; the
/// <c>webhook-id</c> stays the message's). Standard Webhooks receivers refuse timestamps older than a few minutes.
/// </summary>
public sealed class PartnerSigningHandler(IOptions<PartnerOptions> options, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var id = request.Headers.TryGetValues(StandardWebhookSigner.IdHeader, out var ids) ? ids.Single() : throw new InvalidOperationException("webhook-id is missing.");
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Remove(StandardWebhookSigner.TimestampHeader);
        request.Headers.Remove(StandardWebhookSigner.SignatureHeader);
        request.Headers.TryAddWithoutValidation(StandardWebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(StandardWebhookSigner.SignatureHeader, StandardWebhookSigner.Sign(options.Value.SigningKey(), id, timestamp, body));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
