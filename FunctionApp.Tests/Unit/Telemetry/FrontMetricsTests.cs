using System.Diagnostics.Metrics;
using FrontFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Unit.Telemetry;

/// <summary>What <see cref="FrontMetrics"/> records, heard through a listener on this container's meter only.</summary>
public sealed class FrontMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, Dictionary<string, object?> Tags)> _seen = [];

    public FrontMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.Start();
        Metrics = new FrontMetrics(factory, new QueueSnapshot(), TimeProvider.System);
    }

    private FrontMetrics Metrics { get; }

    [Theory]
    [InlineData("message_imported", 200, "message_imported", "200")]
    [InlineData("authorization", 400, "authorization", "400")]
    [InlineData("cha_123 or any text a sender chose", 400, "other", "400")]
    [InlineData(null, 401, "none", "401")]
    [InlineData(null, 999, "none", "other")]
    public void Webhook_tags_are_bounded(string? type, int status, string typeTag, string statusTag)
    {
        Metrics.WebhookAnswered(type, status);

        var (instrument, tags) = Assert.Single(_seen);
        Assert.Equal("front.webhooks", instrument);
        Assert.Equal(typeTag, tags["type"]);
        Assert.Equal(statusTag, tags["status"]);
    }

    [Fact]
    public void A_front_attempt_records_its_wait_its_template_and_a_429s_cause()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("https://api2.frontapp.com/conversations/cnv_secret42"));
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "0");

        Metrics.FrontCall(request, response, TimeSpan.FromMilliseconds(250));
        Metrics.FrontCall(request, null, TimeSpan.Zero);

        Assert.Equal(["front.rate_gate.wait", "front.api.calls", "front.api.throttled", "front.rate_gate.wait", "front.api.calls"], _seen.Select(s => s.Instrument));
        Assert.Equal("/conversations/{conversation_id}", _seen[1].Tags["route"]);
        Assert.Equal("429", _seen[1].Tags["status"]);
        Assert.Equal(ThrottleCauses.CompanyLimit, _seen[2].Tags["cause"]);
        Assert.Equal("error", _seen[4].Tags["status"]);
        Assert.DoesNotContain(_seen.SelectMany(s => s.Tags.Values), v => v?.ToString()?.Contains("cnv_", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("00:00:01", true)]
    [InlineData("00:00:30", true)]
    [InlineData("00:00:00.500", false)]
    [InlineData("02:00:00", false)]
    [InlineData("-00:00:05", false)]
    public void The_sample_interval_is_off_or_between_a_second_and_an_hour(string interval, bool valid)
    {
        var options = new MetricsOptions { QueueSampleInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            options, new System.ComponentModel.DataAnnotations.ValidationContext(options), results, validateAllProperties: true));
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_seen)
        {
            _seen.Add((instrument.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
