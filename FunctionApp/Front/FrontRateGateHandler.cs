namespace FrontFunctions.Front;

/// <summary>Puts every attempt (retries included: it sits inside the retry strategy) through the <see cref="FrontRateGate"/>.</summary>
/// <remarks>Each attempt is measured here: its wait in the gate, its route and status, a 429's cause (<c>FrontMetrics</c>).</remarks>
public sealed class FrontRateGateHandler(FrontRateGate gate, Telemetry.FrontMetrics metrics, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var waitStarted = time.GetTimestamp();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var waited = time.GetElapsedTime(waitStarted);
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            gate.Observe(response);
            return response;
        }
        finally
        {
            metrics.FrontCall(request, response, waited);
        }
    }
}
