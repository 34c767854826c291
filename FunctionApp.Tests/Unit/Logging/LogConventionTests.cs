using System.Reflection;
using FrontFunctions.Enrichment;
using FrontFunctions.Imports;
using FrontFunctions.Ingest;
using FrontFunctions.Lookup;
using FrontFunctions.Outbound;
using Microsoft.Extensions.Logging;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Tests.Unit.Logging;

/// <summary>
/// The app's one logging convention: every log line is a source-generated [LoggerMessage] in its area's top-level log
/// class, with an EventId from that area's range, no EventId used twice.
/// </summary>
public sealed class LogConventionTests
{
    private static readonly Dictionary<Type, (int First, int Last)> Areas = new()
    {
        [typeof(WebhookLog)] = (1001, 1099),
        [typeof(EnrichmentLog)] = (2001, 2199),
        [typeof(LookupLog)] = (3001, 3099),
        [typeof(ImportLog)] = (4001, 4199),
        [typeof(OutboundLog)] = (5001, 5099),
        [typeof(FrontFunctions.Telemetry.TelemetryLog)] = (6001, 6099),
        [typeof(FrontFunctions.Front.FrontLog)] = (7001, 7099),
        [typeof(FrontFunctions.Storage.StorageLog)] = (8201, 8299),
        [typeof(FrontFunctions.Http.HttpLog)] = (8001, 8099),
        [typeof(FrontFunctions.Attachments.AttachmentLog)] = (8101, 8199),
        [typeof(FrontFunctions.PartnerApi.PartnerApiLog)] = (8301, 8399),
    };

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> LogMethods() =>
        typeof(WebhookLog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Method, m.Attribute!));

    [Fact]
    public void Every_log_line_is_declared_in_its_areas_log_class()
    {
        var declaring = LogMethods().Select(m => m.Method.DeclaringType!).Distinct().ToList();

        Assert.All(declaring, t => Assert.True(Areas.ContainsKey(t), $"{t.FullName} declares log lines outside the areas' log classes"));
    }

    [Fact]
    public void Event_ids_are_unique_and_in_their_areas_range()
    {
        var methods = LogMethods().ToList();

        Assert.NotEmpty(methods);
        Assert.All(methods, m =>
        {
            var (first, last) = Areas[m.Method.DeclaringType!];
            Assert.InRange(m.Attribute.EventId, first, last);
        });
        var repeated = methods.GroupBy(m => m.Attribute.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(repeated);
    }
}
