using System.Diagnostics.Metrics;
using System.Text;
using Azure;
using FrontFunctions.Http;
using FrontFunctions.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FrontFunctions.Tests.Unit.Http;

/// <summary>The one HTTP edge: body reading, refusals, storage unavailability and answer counting, once for every function.</summary>
public sealed class HttpEdgeTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(string Type, string Status)> _webhooks = [];
    private readonly HttpEdge _edge;

    public HttpEdgeTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "front.webhooks")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString() ?? "");
            lock (_webhooks)
            {
                _webhooks.Add((all["type"], all["status"]));
            }
        });
        _listener.Start();
        _edge = new HttpEdge(new FrontMetrics(factory, new QueueSnapshot(), TimeProvider.System), NullLogger<HttpEdge>.Instance);
    }

    [Fact]
    public async Task Storage_unavailable_anywhere_below_is_a_503_with_Retry_After_and_is_counted()
    {
        var request = Request("{}", "application/json");

        var result = await _edge.AnswerBytesAsync(request, 1024,
            (_, _) => throw new RequestFailedException(500, "storage said no"), CancellationToken.None, () => "message_imported");

        var answer = Assert.IsType<HttpAnswer>(result);
        Assert.Equal(503, answer.StatusCode);
        Assert.Contains(answer.Headers, h => h.Key == "Retry-After" && h.Value == HttpAnswer.StorageRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new[] { ("message_imported", "503") }, _webhooks);
    }

    [Fact]
    public async Task A_defect_is_not_dressed_up_as_a_503()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _edge.AnswerAsync(Request("", null), _ => throw new InvalidOperationException("a bug"), CancellationToken.None));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_counted_without_calling_the_function()
    {
        var called = false;
        var result = await _edge.AnswerBytesAsync(Request(new string('x', 2000), null), 1024,
            (_, _) => { called = true; return Task.FromResult(HttpAnswer.Success); }, CancellationToken.None, () => null);

        Assert.Equal(413, Assert.IsType<HttpAnswer>(result).StatusCode);
        Assert.False(called);
        Assert.Equal(new[] { ("none", "413") }, _webhooks);
    }

    [Theory]
    [InlineData("text/plain", "{}", 415)]
    [InlineData("application/json; charset=latin1", "{}", 415)]
    [InlineData("application/json", "{\"a\":1,\"a\":2}", 400)]
    [InlineData("application/json", "{\"a\":", 400)]
    [InlineData(null, "\uFEFF{}", 400)]
    [InlineData("application/json", "{\"a\":1}", 200)]
    [InlineData(null, "{\"a\":1}", 200)]
    public async Task A_json_body_is_declared_and_written_as_json_before_the_function_sees_it(string? contentType, string body, int expected)
    {
        var result = await _edge.AnswerJsonAsync(Request(body, contentType), 1024,
            (bytes, _) => Task.FromResult(HttpAnswer.Ok(new { length = bytes.Length })), CancellationToken.None);

        var answer = Assert.IsType<HttpAnswer>(result);
        Assert.Equal(expected, answer.StatusCode);
        Assert.Empty(_webhooks); // only webhooks are counted in front.webhooks
    }

    [Fact]
    public async Task A_function_may_shape_its_own_refusal_of_bad_json()
    {
        var result = await _edge.AnswerJsonAsync(Request("{\"a\":1,\"a\":2}", "application/json"), 1024,
            (_, _) => Task.FromResult(HttpAnswer.Success), CancellationToken.None,
            problem => HttpAnswer.Error(422, "mine", problem));

        var answer = Assert.IsType<HttpAnswer>(result);
        Assert.Equal(422, answer.StatusCode);
    }

    private static HttpRequest Request(string body, string? contentType)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Method = "POST";
        context.Request.Path = "/api/test";
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = contentType;
        return context.Request;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
