using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.IdMap;
using FrontFunctions.LocalHost;
using FrontFunctions.Storage;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// The whole loop in one process, as the end-to-end test wires it: the Front simulator (in-process, free port) sends signed
/// message_imported notifications to the local host (in-process, free port, WebJobs queue listener on), which queues,
/// enriches against the simulator's API and writes the id map in the Azurite that scripts/bench.sh started.
/// Optionally records when each notification reached the local host (a middleware in front of the webhook), keyed by the
/// message body the benchmark imported (the body is in every notification payload, with or without the metadata switches).
/// </summary>
public sealed class EndToEndRig : IAsyncDisposable
{
    public const string AppUid = "bench-app";
    public const string AppSecret = "bench-app-secret";
    public const string FunctionKey = "bench-key";

    private readonly WebApplication _host;
    private readonly TableClient _idMap;

    private EndToEndRig(RunningFrontSimulator front, WebApplication host, Uri hostUrl, TableClient idMap, NotificationArrivals arrivals)
    {
        Front = front;
        _host = host;
        HostUrl = hostUrl;
        _idMap = idMap;
        Arrivals = arrivals;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = hostUrl };
    }

    public RunningFrontSimulator Front { get; }
    public SimulatorControl Control => Front.Control;
    public Uri HostUrl { get; }
    public HttpClient Http { get; }
    public NotificationArrivals Arrivals { get; }

    /// <summary>Warnings and errors the app logged (by category and event), to explain retries and extra calls.</summary>
    public WarningCounter Warnings { get; private init; } = new();
    public TableClient IdMapTable => _idMap;

    /// <summary>The app's services (to record through its own classes, as the console benchmark records failures).</summary>
    public IServiceProvider Services => _host.Services;

    /// <param name="more">Settings added to (or overriding) the rig's, e.g. the partner's endpoint.</param>
    /// <param name="configure">Called on the host builder last, e.g. to add a storage request counter.</param>
    public static async Task<EndToEndRig> StartAsync(string storage, int appRequestsPerMinute, int appBurstPerSecond, bool recordArrivals,
        IReadOnlyDictionary<string, string?>? more = null, Action<WebApplicationBuilder>? configure = null)
    {
        var front = await FrontSimulatorServer.StartAsync();
        var arrivals = new NotificationArrivals();
        var warnings = new WarningCounter();
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["Front:AppUid"] = AppUid,
            ["Front:AppSecret"] = AppSecret,
            ["Front:PublicBaseUrl"] = "http://127.0.0.1",
            ["LocalHost:RunQueueListener"] = "true",
            ["LocalHost:FunctionKey"] = FunctionKey,
        };
        // Only set what differs from the app's defaults (100 rpm, burst 5), so the defaults are what is measured otherwise.
        if (appRequestsPerMinute > 0)
        {
            settings["Front:RequestsPerMinute"] = appRequestsPerMinute.ToString(CultureInfo.InvariantCulture);
        }

        if (appBurstPerSecond > 0)
        {
            settings["Front:BurstPerSecond"] = appBurstPerSecond.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = LocalFunctionsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(warnings);
            if (Environment.GetEnvironmentVariable("BENCH_LOG") is { Length: > 0 } level)
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(Enum.Parse<LogLevel>(level));
            }

            if (recordArrivals)
            {
                builder.Services.AddSingleton<IStartupFilter>(new ArrivalFilter(arrivals));
            }

            configure?.Invoke(builder);
        });
        await host.StartAsync();
        var hostUrl = new Uri(host.Urls.First().TrimEnd('/') + "/");
        var idMap = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        await idMap.CreateIfNotExistsAsync();
        return new EndToEndRig(front, host, hostUrl, idMap, arrivals) { Warnings = warnings };
    }

    public Task CreateChannelAsync(string channelId) =>
        Control.CreateChannelAsync(channelId, AppUid, AppSecret, new Uri(HostUrl, $"api/front/channels/{channelId}"));

    public Task<ImportResult> ImportAsync(string channelId, string externalId, string externalConversationId, string body) =>
        Control.ImportInboundAsync(channelId, AppUid, AppSecret, externalId, externalConversationId, body);

    /// <summary>Front's <c>authorization</c> of the channel, signed, so the app's channel registry knows it (the import API needs that).</summary>
    public async Task AuthorizeAsync(string channelId)
    {
        var body = $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channelId}\"}}}}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/front/channels") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", FrontSimulator.Notifications.WebhookSigner.Sign(AppSecret, timestamp, System.Text.Encoding.UTF8.GetBytes(body)));
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>POST /api/channels/{channel}/inbound_messages through the app's import API; the status code.</summary>
    public async Task<HttpStatusCode> ImportThroughAppAsync(string channelId, string externalId, string externalConversationId, string body)
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["sender"] = new System.Text.Json.Nodes.JsonObject { ["handle"] = "bench-sender" },
            ["body"] = body,
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = externalConversationId },
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/channels/{channelId}/inbound_messages") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-functions-key", FunctionKey);
        using var response = await Http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    /// <summary>The lookup's <c>status</c> for an external id (null when 404 or not an import made through the app).</summary>
    public async Task<string?> ImportStatusAsync(string channelId, string externalId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
        request.Headers.Add("x-functions-key", FunctionKey);
        using var response = await Http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
    }

    /// <summary>GET /api/map/{channel}/messages?external_id=… through the lookup API; the status code.</summary>
    public async Task<HttpStatusCode> LookupAsync(string channelId, string externalId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
        request.Headers.Add("x-functions-key", FunctionKey);
        using var response = await Http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    /// <summary>How many messages of the channel are mapped by external id (the <c>xm|</c> rows of its partition).</summary>
    public async Task<int> CountMappedAsync(string channelId)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and RowKey ge {"xm|"} and RowKey lt {"xm}"}");
        var count = 0;
        await foreach (var _ in _idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>Polls until <paramref name="expected"/> messages are mapped or the deadline passes; the last count.</summary>
    public async Task<int> WaitMappedAsync(string channelId, int expected, TimeSpan deadline, Action<int>? progress = null)
    {
        var until = Stopwatch.StartNew();
        var count = 0;
        var lastReport = TimeSpan.Zero;
        while (until.Elapsed < deadline)
        {
            count = await CountMappedAsync(channelId);
            if (count >= expected)
            {
                return count;
            }

            if (until.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = until.Elapsed;
                progress?.Invoke(count);
            }

            await Task.Delay(250);
        }

        return count;
    }

    public static string ExternalMessageKey(string externalId) => IdMapKeys.ExternalMessage(externalId);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
        await Front.DisposeAsync();
    }

    /// <summary>Records the arrival of every message_imported POST at the local host before the webhook function sees it.</summary>
    private sealed class ArrivalFilter(NotificationArrivals arrivals) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/api/front/channels"))
                {
                    var arrived = Stopwatch.GetTimestamp();
                    context.Request.EnableBuffering();
                    try
                    {
                        using var document = await JsonDocument.ParseAsync(context.Request.Body);
                        if (document.RootElement.TryGetProperty("payload", out var payload)
                            && payload.TryGetProperty("body", out var body) && body.GetString() is { } text)
                        {
                            arrivals.Record(text, arrived);
                        }
                    }
                    catch (JsonException)
                    {
                    }

                    context.Request.Body.Position = 0;
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>The Release build of LocalHost that the multi-process benchmarks start (<paramref name="mode"/>: the bench.sh mode that builds it).</summary>
    public static string FindLocalHost(string mode)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "LocalHost", "bin", "Release", "net10.0", "FrontFunctions.LocalHost.dll");
            if (File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
            {
                return File.Exists(candidate)
                    ? candidate
                    : throw new FileNotFoundException($"LocalHost is not built in Release (scripts/bench.sh {mode} builds it)", candidate);
            }
        }

        throw new DirectoryNotFoundException("the repository root (FrontFunctions.sln) was not found above the benchmark");
    }
}

/// <summary>First arrival (Stopwatch timestamp) of a notification at the local host, by imported message body.</summary>
public sealed class NotificationArrivals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _first = new(StringComparer.Ordinal);

    public void Record(string body, long timestamp) => Slot(body).TrySetResult(timestamp);

    public Task<long> WaitAsync(string body) => Slot(body).Task;

    private TaskCompletionSource<long> Slot(string body) =>
        _first.GetOrAdd(body, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Front API reads (GET /messages/*, GET /conversations/*) in the simulator's counters.</summary>
public sealed record FrontReadCounts(long Messages2xx, long Conversations2xx, long All, long Ok, long TooMany, long RateLimitedTotal)
{
    public static FrontReadCounts From(SimulatorCounters counters)
    {
        long Sum(string prefix, Func<string, bool> status) => counters.Requests
            .Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(r => r.Value.Where(s => status(s.Key)).Sum(s => s.Value));
        static bool Is2xx(string s) => s.Length == 3 && s[0] == '2';
        var messages = Sum("GET /messages", Is2xx);
        var conversations = Sum("GET /conversations", Is2xx);
        var all = Sum("GET /messages", _ => true) + Sum("GET /conversations", _ => true);
        var tooMany = Sum("GET /messages", s => s == "429") + Sum("GET /conversations", s => s == "429");
        return new FrontReadCounts(messages, conversations, all, messages + conversations, tooMany, counters.RateLimited.Total);
    }

    public static FrontReadCounts operator -(FrontReadCounts a, FrontReadCounts b) => new(
        a.Messages2xx - b.Messages2xx, a.Conversations2xx - b.Conversations2xx, a.All - b.All, a.Ok - b.Ok, a.TooMany - b.TooMany,
        a.RateLimitedTotal - b.RateLimitedTotal);

    public static string Describe(SimulatorCounters counters) => string.Join(", ", counters.Requests
        .Where(r => r.Key.StartsWith("GET ", StringComparison.Ordinal))
        .Select(r => $"{r.Key} {{{string.Join(", ", r.Value.Select(s => $"{s.Key}: {s.Value}"))}}}"));
}

/// <summary>Counts the app's log events at Warning and above by "category/event" (Azure SDK and ASP.NET noise left out).</summary>
public sealed class WarningCounter : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => new Counter(this, categoryName);

    public string Summary() => _counts.IsEmpty
        ? "none"
        : string.Join(", ", _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));

    public void Clear() => _counts.Clear();

    public void Dispose()
    {
    }

    private sealed class Counter(WarningCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning
            && (category.StartsWith("FrontFunctions", StringComparison.Ordinal) || category.StartsWith("Function", StringComparison.Ordinal)
                || category.StartsWith("Host.Results", StringComparison.Ordinal));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var key = $"{category.Split('.').Last()}/{(eventId.Id != 0 ? eventId.Id : eventId.Name)}{(exception is null ? "" : ":" + exception.GetType().Name)}";
                owner._counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            }
        }
    }
}
