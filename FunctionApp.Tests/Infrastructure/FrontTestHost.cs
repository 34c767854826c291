using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FrontFunctions.Front;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// The app's real service composition (<c>AddFrontFunctions</c>) with Front replaced by <see cref="StubFrontHandler"/> as the
/// Front API client's socket handler: the retry, rate gate and token handlers all run.
/// </summary>
public sealed class FrontTestHost : IAsyncDisposable
{
    public const string AppUid = "app_test_uid";
    public const string AppSecret = "short-secret"; // deliberately < 32 bytes: tokens must still be signed with exactly it

    private FrontTestHost(ServiceProvider services, StubFrontHandler front)
    {
        Services = services;
        Front = front;
    }

    public ServiceProvider Services { get; }
    public StubFrontHandler Front { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <param name="withStorage">False for tests that never touch storage (no Azurite needed).</param>
    public static FrontTestHost Create(bool withStorage = true, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = withStorage ? TestStorage.ConnectionString : "UseDevelopmentStorage=true",
            ["Front:ApiBaseUrl"] = "https://front.test/",
            ["Front:AppUid"] = AppUid,
            ["Front:AppSecret"] = AppSecret,
            ["Front:PublicBaseUrl"] = "https://app.test/",
            ["Front:RequestsPerMinute"] = "60000",
            ["Front:BurstPerSecond"] = "1000",
            ["Front:MaxRetries"] = "2",
            ["Front:RetryBaseDelay"] = "00:00:00.010",
            ["Front:AttemptTimeout"] = "00:00:10",
            ["Front:TotalTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        if (withStorage)
        {
            TestStorage.EnsureAppStorage();
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var stub = new StubFrontHandler();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFrontFunctions(configuration);
        services.AddHttpClient<FrontApiClient>().ConfigurePrimaryHttpMessageHandler(() => new NonDisposingHandler(stub));
        configure?.Invoke(services);
        return new FrontTestHost(services.BuildServiceProvider(), stub);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();

    /// <summary>The factory disposes expired handlers; the stub outlives them.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing)
        {
        }
    }
}

/// <summary>A scripted Front: answers by a function of the request, records every request it saw.</summary>
public sealed class StubFrontHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<SeenRequest> _seen = new();

    /// <summary>Answers each request; the default is 404 for everything.</summary>
    public Func<HttpRequestMessage, Task<HttpResponseMessage>> Respond { get; set; } =
        _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));

    public IReadOnlyList<SeenRequest> Requests => [.. _seen];

    public int Count(string pathPrefix) => _seen.Count(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _seen.Enqueue(new SeenRequest(request.Method.Method, request.RequestUri!.AbsolutePath, request.Headers.Authorization?.Parameter));
        var response = await Respond(request).ConfigureAwait(false);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Message(string messageId, string conversationId, string? externalId, string? uid = null)
    {
        var metadata = new JsonObject();
        if (externalId is not null)
        {
            metadata["external_id"] = externalId;
        }

        var message = new JsonObject
        {
            ["_links"] = new JsonObject
            {
                ["self"] = "https://api2.frontapp.com/messages/" + messageId,
                ["related"] = new JsonObject { ["conversation"] = "https://acme.api.frontapp.com/conversations/" + conversationId },
            },
            ["id"] = messageId,
            ["type"] = "custom",
            ["body"] = "secret body",
            ["metadata"] = metadata,
        };
        if (uid is not null)
        {
            message["message_uid"] = uid;
        }

        return Json(message.ToJsonString());
    }

    public static HttpResponseMessage Conversation(string conversationId, params string[] externalConversationIds) =>
        Json(new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = "https://api2.frontapp.com/conversations/" + conversationId },
            ["id"] = conversationId,
            ["subject"] = "s",
            ["metadata"] = new JsonObject { ["external_conversation_ids"] = new JsonArray([.. externalConversationIds.Select(x => (JsonNode?)x)]) },
        }.ToJsonString());

    public static HttpResponseMessage Redirect(string toConversationId)
    {
        var response = new HttpResponseMessage(HttpStatusCode.MovedPermanently);
        response.Headers.Location = new Uri("https://api2.frontapp.com/conversations/" + toConversationId);
        return response;
    }
}

public sealed record SeenRequest(string Method, string Path, string? BearerToken);
