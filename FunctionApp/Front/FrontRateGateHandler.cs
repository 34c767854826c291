namespace FrontFunctions.Front;

/// <summary>Puts every attempt (retries included: it sits inside the retry strategy) through the <see cref="FrontRateGate"/>.</summary>
public sealed class FrontRateGateHandler(FrontRateGate gate) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        gate.Observe(response);
        return response;
    }
}
