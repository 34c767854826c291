using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>When the simulator's count of 2xx webhook answers last grew (polled every 500 ms).</summary>
internal sealed class LastDeliveryWatch(SimulatorControl control)
{
    public DateTimeOffset? Last { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        long seen = -1;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var delivered = (await control.GetCountersAsync(ct)).Notifications.Delivered;
                if (delivered != seen)
                {
                    seen = delivered;
                    Last = DateTimeOffset.UtcNow;
                }

                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
