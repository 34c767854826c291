using System.Reflection;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Storage;

/// <summary>
/// What start-up creates (<see cref="StorageInitializer"/>, called by the local host and the fixtures) is every queue, table
/// and container <see cref="StorageNames"/> names — the list the Bicep template creates in Azure (Infra.Tests pins that side).
/// </summary>
public sealed class StorageCreationTests
{
    private static IEnumerable<string> Named(string suffix) =>
        typeof(StorageNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith(suffix, StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public async Task Start_up_creates_every_named_queue_table_and_container()
    {
        await TestStorage.EnsureAppStorageAsync();

        Assert.NotEmpty(Named("Queue"));
        foreach (var queue in Named("Queue"))
        {
            Assert.True((await TestStorage.Queues().GetQueueClient(queue).ExistsAsync()).Value, $"queue {queue}");
        }

        var tables = new HashSet<string>();
        await foreach (var table in TestStorage.Tables().QueryAsync())
        {
            tables.Add(table.Name);
        }

        Assert.NotEmpty(Named("Table"));
        Assert.All(Named("Table"), t => Assert.Contains(t, tables));
        Assert.All(Named("Container"), c => Assert.True(TestStorage.Blobs().GetBlobContainerClient(c).Exists().Value, $"container {c}"));
    }
}
