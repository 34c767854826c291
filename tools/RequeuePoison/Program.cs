// Re-queues poisoned ingest (or, with --queue front-outbound, partner delivery; with --queue front-import-checks, overdue
// import checks) messages after a fix:
//   AzureWebJobsStorage='<connection string>' dotnet run --project tools/RequeuePoison -- [--queue front-ingest|front-outbound|front-import-checks] [--channel cha_…] [--max N]
// or, with a managed identity / az login: AzureWebJobsStorage__accountName=<account> dotnet run --project tools/RequeuePoison
// The storage settings are read exactly as the function app reads them (FrontFunctions.Storage.StorageClientRegistration).
// Each message in the poison queue when the run begins is taken at most once; what fails again stays poisoned.
using FrontFunctions.Failures;
using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
using var services = new ServiceCollection().AddStorageClients(configuration).AddSingleton<PoisonRequeue>().BuildServiceProvider();
var channel = configuration["channel"];
var max = int.TryParse(configuration["max"], out var m) && m > 0 ? m : int.MaxValue;
var queue = configuration["queue"] ?? StorageNames.IngestQueue;
if (!PoisonRequeue.Queues.Contains(queue))
{
    Console.Error.WriteLine($"--queue must be one of: {string.Join(", ", PoisonRequeue.Queues)}.");
    return 2;
}

var poisonQueue = queue + "-poison";
var report = await services.GetRequiredService<PoisonRequeue>().RequeueAsync(channel, max, CancellationToken.None, queue);
Console.WriteLine($"{report.FoundAtStart} message(s) in {poisonQueue} at the start; re-queued {report.RequeuedCount} to {queue}.");
foreach (var (channelId, ids) in report.Requeued)
{
    Console.WriteLine($"  {channelId}: {ids.Count}: {string.Join(", ", ids)}");
}

Console.WriteLine($"Left in {poisonQueue}: {report.LeftForOtherChannels} of other channels, {report.ArrivedDuringRun} poisoned during the run"
    + (report.StillHidden > 0 ? $", {report.StillHidden} hidden a few minutes more (the run outlived their pop receipt)" : string.Empty)
    + (report.NotDeleted > 0 ? $"; {report.NotDeleted} re-queued but still in the poison queue (harmless duplicates)" : string.Empty) + ".");
return 0;
