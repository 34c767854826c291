using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FrontFunctions.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontSimulator.Tests.Infrastructure;

/// <summary>One request the webhook receiver got: raw body bytes, the signature headers, and what it answered.</summary>
internal sealed record ReceivedWebhook(byte[] Body, string? Signature, string? Timestamp, int AnsweredStatus, DateTimeOffset ReceivedAt)
{
    public JsonNode Json => JsonNode.Parse(Body)!;
}

/// <summary>A small Kestrel server on a free loopback port standing in for our function app's webhook endpoint.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Status answered to the n-th request (0-based); 200 by default.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => 200;

    /// <summary>How long to wait before answering the n-th request (0-based); none by default.</summary>
    public Func<int, TimeSpan> DelayFor { get; set; } = _ => TimeSpan.Zero;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>The JSON answered to the n-th request (0-based); <c>{"type":"success"}</c> by default.</summary>
    public Func<int, object>? AnswerFor { get; set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/webhook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var n = Interlocked.Increment(ref receiver._count) - 1;
            var status = receiver.StatusFor(n);
            if (receiver.DelayFor(n) is { } delay && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }

            receiver._received.Enqueue(new ReceivedWebhook(
                buffer.ToArray(),
                context.Request.Headers["X-Front-Signature"].FirstOrDefault(),
                context.Request.Headers["X-Front-Request-Timestamp"].FirstOrDefault(),
                status,
                DateTimeOffset.UtcNow));
            return Results.Json(receiver.AnswerFor?.Invoke(n) ?? new { type = "success" }, statusCode: status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/webhook");
        return receiver;
    }

    /// <summary>Polls until at least <paramref name="count"/> requests arrived (answered 2xx when <paramref name="successful"/>).</summary>
    public Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, bool successful = false, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            () =>
            {
                var list = Received.Where(r => !successful || r.AnsweredStatus is >= 200 and < 300).ToList();
                return Task.FromResult<IReadOnlyList<ReceivedWebhook>?>(list.Count >= count ? list : null);
            },
            $"{count} webhook request(s)",
            timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
