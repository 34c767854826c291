using System.Collections.Concurrent;
using System.Net;
using FrontFunctions.LocalHost;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;

namespace FrontFunctions.Tests.Integration.LocalHost;

/// <summary>
/// A function the local host has never heard of — declared only by its attributes, as the Functions SDK reads them — is
/// served over HTTP (route, method, key) and from its queue, with no change in the local host.
/// </summary>
public sealed class NewFunctionTests
{
    [Fact]
    public async Task A_new_http_and_queue_function_is_served_from_its_attributes_alone()
    {
        // Only the probe's functions: a second listener on the app's front-ingest queue would take other tests' messages.
        var functions = FunctionCatalog.Discover(typeof(ProbeFunctions).Assembly);
        Assert.Equal(["ProbeHttp", "ProbeQueue"], functions.Select(f => f.Name));
        var queue = TestStorage.Queues().GetQueueClient(ProbeFunctions.Queue);
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
        await using var app = LocalFunctionsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = TestStorage.ConnectionString,
                ["Front:AppUid"] = RunningLocalHost.AppUid,
                ["Front:AppSecret"] = RunningLocalHost.AppSecret,
                ["Front:PublicBaseUrl"] = "https://front-functions.example.net",
                ["LocalHost:FunctionKey"] = RunningLocalHost.FunctionKey,
                ["LocalHost:RunQueueListener"] = "true",
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }, functions);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var keyless = await http.GetAsync("/api/probe/abc");
        var keyed = await http.GetAsync($"/api/probe/abc?code={RunningLocalHost.FunctionKey}");
        var wrongMethod = await http.PostAsync($"/api/probe/abc?code={RunningLocalHost.FunctionKey}", null);
        var text = "probe-" + Guid.NewGuid().ToString("N");
        await queue.SendMessageAsync(text);

        Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Equal("""{"name":"abc"}""", await keyed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!ProbeFunctions.Received.Contains((text, 1L)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains((text, 1L), ProbeFunctions.Received);
        await app.StopAsync();
    }
}

/// <summary>The new function: nothing but its class and attributes.</summary>
public sealed class ProbeFunctions
{
    public const string Queue = "localhost-probe";

    public static ConcurrentBag<(string Message, long DequeueCount)> Received { get; } = [];

    [Function("ProbeHttp")]
    public static IActionResult Echo(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "probe/{name}")] HttpRequest request, string name) =>
        new OkObjectResult(new { name });

    [Function("ProbeQueue")]
    public Task OnMessage([QueueTrigger(Queue, Connection = "AzureWebJobsStorage")] string message, long dequeueCount, CancellationToken cancellationToken)
    {
        Received.Add((message, dequeueCount));
        return Task.CompletedTask;
    }
}
