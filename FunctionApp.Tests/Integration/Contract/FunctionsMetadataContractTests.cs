using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using FrontFunctions.LocalHost;
using FrontFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Contract;

/// <summary>
/// The Functions host binds functions from the built <c>functions.metadata</c>, not from our local host. This pins that file
/// to the function table in README.md (between the <c>functions:begin</c>/<c>functions:end</c> markers): names, triggers,
/// routes, methods, auth levels and queue names, so the README, the code and the real host's view cannot drift apart.
/// The local host, which reads the same declaration by reflection, is pinned to the same file: what it really binds (its
/// route endpoints and the methods the WebJobs SDK indexes) must be exactly what the Functions host binds.
/// </summary>
public partial class FunctionsMetadataContractTests
{
    private sealed record FunctionRow(string Name, string Trigger, string RouteOrQueue, string Methods, string Auth);

    private static IReadOnlyList<FunctionRow> FromMetadata()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata was not built next to the tests ({path}).");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(function =>
        {
            var trigger = function.GetProperty("bindings").EnumerateArray()
                .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            var type = trigger.GetProperty("type").GetString()!;
            return type switch
            {
                "httpTrigger" => new FunctionRow(
                    function.GetProperty("name").GetString()!,
                    "HTTP",
                    trigger.GetProperty("route").GetString()!,
                    string.Join(", ", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order()),
                    trigger.GetProperty("authLevel").GetString()!.ToLowerInvariant()),
                "queueTrigger" => new FunctionRow(
                    function.GetProperty("name").GetString()!,
                    "Queue",
                    trigger.GetProperty("queueName").GetString()!,
                    "",
                    trigger.TryGetProperty("connection", out var c) ? c.GetString()! : ""),
                _ => new FunctionRow(function.GetProperty("name").GetString()!, type, "", "", ""),
            };
        }).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>What the local host binds: its route endpoints (pattern, methods, key filter) and the WebJobs functions.</summary>
    private static IReadOnlyList<FunctionRow> FromLocalHost()
    {
        var app = LocalFunctionsHost.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["LocalHost:RunQueueListener"] = "true",
        }));
        // Functions are served under /api; the host's own endpoints (the metrics scrape at /metrics) are not functions.
        var http = LocalHostEndpoints(app).Where(endpoint => endpoint.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .Select(endpoint => new FunctionRow(
                endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint.DisplayName!,
                "HTTP",
                endpoint.RoutePattern.RawText!.TrimStart('/')["api/".Length..],
                string.Join(", ", (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Order()),
                // Locally one key serves every non-anonymous level; the level itself is what the declaration says.
                endpoint.Metadata.Contains(FunctionKeyFilter.Required)
                    ? endpoint.Metadata.GetMetadata<DeclaredFunction>()!.Http!.AuthLevel.ToString().ToLowerInvariant()
                    : "anonymous"));
        var queues = app.Services.GetRequiredService<ITypeLocator>().GetTypes()
            .SelectMany(type => type.GetMethods())
            .Select(method => (Name: method.GetCustomAttribute<FunctionNameAttribute>()?.Name, Trigger: method.GetParameters()
                .Select(p => p.GetCustomAttribute<Microsoft.Azure.WebJobs.QueueTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(m => m.Name is not null && m.Trigger is not null)
            .Select(m => new FunctionRow(m.Name!, "Queue", m.Trigger!.QueueName, "", m.Trigger.Connection ?? ""));
        return http.Concat(queues).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<RouteEndpoint> LocalHostEndpoints(WebApplication app) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>();

    [Fact]
    public void Beside_the_functions_the_local_host_serves_only_the_metrics_scrape()
    {
        var app = LocalFunctionsHost.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["LocalHost:RunQueueListener"] = "false",
        }));
        var others = LocalHostEndpoints(app).Select(e => e.RoutePattern.RawText!.TrimStart('/')).Where(r => !r.StartsWith("api/", StringComparison.Ordinal));
        Assert.Equal(["metrics"], others);
    }

    private static IReadOnlyList<FunctionRow> FromReadme()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var readme = File.ReadAllText(Path.Combine(dir!.FullName, "README.md"));
        var table = TableBetweenMarkers().Match(readme);
        Assert.True(table.Success, "README.md has no function table between <!-- functions:begin --> and <!-- functions:end -->.");
        return table.Groups[1].Value.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith('|') && !line.StartsWith("|-", StringComparison.Ordinal) && !line.StartsWith("| Function", StringComparison.Ordinal))
            .Select(line => line.Trim('|').Split('|').Select(cell => cell.Trim().Trim('`')).ToArray())
            .Select(cells => new FunctionRow(
                cells[0],
                cells[1],
                cells[2],
                string.Join(", ", cells[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order()),
                cells[4]))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public void Built_functions_metadata_matches_the_readme_function_table() =>
        Assert.Equal(FromReadme(), FromMetadata());

    [Fact]
    public void The_local_host_binds_exactly_what_the_functions_host_binds() =>
        Assert.Equal(FromMetadata(), FromLocalHost());

    [Fact]
    public void Front_webhooks_are_anonymous_because_front_cannot_send_function_keys()
    {
        var webhooks = FromMetadata().Where(f => f.RouteOrQueue.StartsWith("front/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, webhooks.Count);
        Assert.All(webhooks, f => Assert.Equal("anonymous", f.Auth));
    }

    [Fact]
    public void Queue_triggers_listen_on_the_queues_the_app_writes_to()
    {
        var queues = FromMetadata().Where(f => f.Trigger == "Queue").ToDictionary(f => f.Name, f => f.RouteOrQueue);
        Assert.Equal(StorageNames.IngestQueue, queues["EnrichImportedMessage"]);      // the webhook writes it
        Assert.Equal(StorageNames.ImportCheckQueue, queues["CheckOverdueImport"]);    // the import API writes it
        Assert.Equal(StorageNames.OutboundQueue, queues[FrontFunctions.Outbound.PartnerOptions.DeliveryFunctionName]); // the message answer writes it
        Assert.Equal(3, queues.Count);
    }

    [GeneratedRegex(@"<!-- functions:begin -->(.*?)<!-- functions:end -->", RegexOptions.Singleline)]
    private static partial Regex TableBetweenMarkers();
}
