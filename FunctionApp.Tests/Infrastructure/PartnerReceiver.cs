using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// A partner system on a free loopback port: records every POST (headers and raw body) and answers with
/// <see cref="Respond"/> (default 204).
/// </summary>
public sealed class PartnerReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedEvent> _received = new();

    private PartnerReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The status to answer to each request (given the number of requests seen so far with the same webhook-id).</summary>
    public Func<ReceivedEvent, int, int> Respond { get; set; } = (_, _) => 204;

    public IReadOnlyList<ReceivedEvent> Received => [.. _received];

    /// <summary>Sent as <c>Location</c> with every 3xx answer (a partner that moved, or redirects http to https).</summary>
    public Uri? RedirectTo { get; set; }

    public static async Task<PartnerReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        PartnerReceiver? self = null;
        // Every method is recorded (a client following a 301 turns the POST into a GET), answered by Respond.
        app.Map("/events", async (HttpContext c) =>
        {
            using var reader = new StreamReader(c.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = new HeaderDictionary();
            foreach (var (key, value) in c.Request.Headers)
            {
                headers[key] = value;
            }

            var received = new ReceivedEvent(headers, body, DateTimeOffset.UtcNow, c.Request.Method);
            var seen = self!._received.Count(r => r.WebhookId == received.WebhookId);
            self._received.Enqueue(received);
            c.Response.StatusCode = self.Respond(received, seen);
            if (c.Response.StatusCode is >= 300 and < 400 && self.RedirectTo is { } location)
            {
                c.Response.Headers.Location = location.AbsoluteUri;
            }
        });
        await app.StartAsync();
        self = new PartnerReceiver(app, new Uri(new Uri(app.Urls.First()), "/events"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedEvent(IHeaderDictionary Headers, string Body, DateTimeOffset At, string Method = "POST")
{
    public string WebhookId => Headers["webhook-id"].ToString();
}
