using FrontSimulator;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// A Front simulator and the local host (queue listener on) wired to each other, with one channel created in the simulator
/// whose webhooks reach the host: the whole loop, started once for a test class (<c>IClassFixture</c>). Tests sharing it
/// use their own external ids, so none sees another's messages.
/// </summary>
public sealed class SimulatedFrontAndHost : IAsyncLifetime
{
    public RunningFrontSimulator Front { get; private set; } = null!;

    public RunningLocalHost Host { get; private set; } = null!;

    public string ChannelId { get; } = TestStorage.NewChannelId();

    public async Task InitializeAsync()
    {
        Front = await FrontSimulatorServer.StartAsync();
        Host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = Front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        });
        await Front.Control.CreateChannelAsync(
            ChannelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(Host.BaseUrl, $"api/front/channels/{ChannelId}"));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Front.DisposeAsync();
    }
}
