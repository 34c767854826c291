using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FrontFunctions.Benchmarks;

/// <summary>The partner's endpoint for teammates' messages: answers 500 to a share of the requests, records the rest by Front message id.</summary>
internal sealed class PartnerReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failed;

    private PartnerReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;
    public ConcurrentDictionary<string, ConcurrentBag<DateTimeOffset>> Delivered { get; } = new(StringComparer.Ordinal);
    public int Failed => _failed;

    public static async Task<PartnerReceiver> StartAsync(double failureRate)
    {
        var app = LoopbackApp.Build();
        var receiver = new PartnerReceiver(app);
        app.MapPost("/events", async (HttpContext c) =>
        {
            using var document = await JsonDocument.ParseAsync(c.Request.Body);
            if (Random.Shared.NextDouble() < failureRate)
            {
                Interlocked.Increment(ref receiver._failed);
                return Results.StatusCode(500);
            }

            if (document.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("message_id", out var id) && id.GetString() is { } messageId)
            {
                receiver.Delivered.GetOrAdd(messageId, _ => []).Add(DateTimeOffset.UtcNow);
            }

            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Urls.First()), "/events");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
