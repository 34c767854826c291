using System.Text.Json.Nodes;
using FrontFunctions.Infra.Tests.Support;
using FrontFunctions.Storage;

namespace FrontFunctions.Infra.Tests;

/// <summary>The template creates the queues, tables and container the app uses, named as in <see cref="StorageNames"/>.</summary>
public sealed class StorageLayoutTests
{
    private static readonly JsonObject Main = CompiledInfra.Instance.MainTemplate;

    private static string[] Names(string type) =>
        ArmTemplate.OfType(Main, type).SelectMany(ArmTemplate.ChildNames).ToArray();

    [Theory]
    [InlineData(StorageNames.IngestQueue)]
    [InlineData(StorageNames.IngestPoisonQueue)]
    public void Queue_is_created_up_front(string queue) =>
        Assert.Contains(queue, Names("Microsoft.Storage/storageAccounts/queueServices/queues"));

    [Theory]
    [InlineData(StorageNames.ChannelsTable)]
    [InlineData(StorageNames.IdMapTable)]
    [InlineData(StorageNames.FailuresTable)]
    public void Table_is_created_up_front(string table) =>
        Assert.Contains(table, Names("Microsoft.Storage/storageAccounts/tableServices/tables"));

    [Fact]
    public void Payload_container_is_created_up_front() =>
        Assert.Contains(StorageNames.PayloadContainer, Names("Microsoft.Storage/storageAccounts/blobServices/containers"));
}
