// Re-queues poisoned ingest messages after a fix:
//   AzureWebJobsStorage='<connection string>' dotnet run --project tools/RequeuePoison -- [--channel cha_…] [--max N]
// or, with a managed identity / az login: AzureWebJobsStorage__accountName=<account> dotnet run --project tools/RequeuePoison
// The storage settings are read exactly as the function app reads them (FrontFunctions.Storage.StorageClientRegistration).
using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
using var services = new ServiceCollection().AddStorageClients(configuration).AddSingleton<PoisonRequeue>().BuildServiceProvider();
var channel = configuration["channel"];
var max = int.TryParse(configuration["max"], out var m) && m > 0 ? m : int.MaxValue;
var moved = await services.GetRequiredService<PoisonRequeue>().RequeueAsync(channel, max, CancellationToken.None);
Console.WriteLine($"Re-queued {moved} message(s) from {StorageNames.IngestPoisonQueue} to {StorageNames.IngestQueue}.");
