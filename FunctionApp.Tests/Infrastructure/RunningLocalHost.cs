using System.Text;
using FrontFunctions.LocalHost;
using FrontFunctions.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>The local development host, started on a free loopback port against the test Azurite, reached over real HTTP.</summary>
public sealed class RunningLocalHost : IAsyncDisposable
{
    public const string AppUid = "test-app-uid";
    public const string AppSecret = "test-app-secret";
    public const string PreviousAppSecret = "test-previous-secret";
    public const string FunctionKey = "test-function-key";

    private readonly WebApplication _app;

    private RunningLocalHost(WebApplication app, Uri baseUrl, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The lookup API of this host, with the function key.</summary>
    public LookupApi Lookup => new(Http, FunctionKey);

    /// <summary>Every line the app logged at any level (the console only shows warnings).</summary>
    public CapturedLogs Logs { get; }

    public static async Task<RunningLocalHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = TestStorage.ConnectionString,
            ["Front:AppUid"] = AppUid,
            ["Front:AppSecret"] = AppSecret,
            ["Front:PreviousAppSecret"] = PreviousAppSecret,
            ["Front:PublicBaseUrl"] = "https://front-functions.example.net",
            ["Front:ApiBaseUrl"] = "http://127.0.0.1:9",
            ["LocalHost:FunctionKey"] = FunctionKey,
            ["LocalHost:RunQueueListener"] = "false",
            // Partner delivery off unless a test sets Partner:OutboundUrl and turns it on: the outbound queue is shared.
            [FrontFunctions.Outbound.PartnerOptions.DisabledSetting] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var logs = new CapturedLogs();
        var app = LocalFunctionsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter("Azure.Core", LogLevel.Error); // 409 "already exists" answers of CreateIfNotExists
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
            // A provider's own rule outranks the category rule above: without this the console prints every 409 of the
            // start-up creation, forwarded from the Azure SDK's process-wide event source by every host alive in the run.
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("Azure.Core", LogLevel.Error);
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        return new RunningLocalHost(app, new Uri(app.Urls.First()), logs);
    }

    /// <summary>Sends a request signed as Front signs it (timestamp in ms, HMAC over "timestamp:body").</summary>
    public Task<HttpResponseMessage> SendSignedAsync(
        HttpMethod method, string path, string? body, string secret = AppSecret, DateTimeOffset? signedAt = null) =>
        Http.SendAsync(SignedRequests.Create(
            method, path, body is null ? null : Encoding.UTF8.GetBytes(body), SignedRequests.Json, secret: secret, signedAt: signedAt));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
