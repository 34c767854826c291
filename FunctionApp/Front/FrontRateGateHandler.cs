namespace FrontFunctions.Front;

/// <summary>Puts every attempt (retries included: it sits inside the retry strategy) through the <see cref="FrontRateGate"/>.</summary>
/// <remarks>
/// The attempt waits in the gate of its channel's company (the channel id the client set on the request,
/// <see cref="ChannelTokenHandler.ChannelId"/>); its answer teaches the gate the channel's company. Each attempt is measured
/// here: its wait in the gate, its route, status and company, a 429's cause (<c>FrontMetrics</c>).
/// </remarks>
public sealed class FrontRateGateHandler(FrontRateGate gate, Telemetry.FrontMetrics metrics, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var channelId = request.Options.TryGetValue(ChannelTokenHandler.ChannelId, out var channel) && !string.IsNullOrEmpty(channel) ? channel : null;
        var waitStarted = time.GetTimestamp();
        var company = await gate.WaitAsync(channelId, cancellationToken).ConfigureAwait(false);
        var waited = time.GetElapsedTime(waitStarted);
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            company = await gate.ObserveAsync(channelId, response, cancellationToken, countedAgainst: company).ConfigureAwait(false);
            return response;
        }
        finally
        {
            metrics.FrontCall(request, response, waited, company);
        }
    }
}
