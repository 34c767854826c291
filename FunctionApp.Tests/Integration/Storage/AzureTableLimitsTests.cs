using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Storage;

/// <summary>
/// Issue 22 point 3: the tests' <see cref="AzureTableLimits"/> policy refuses, with Azure's error code, what Azure Table
/// Storage refuses and Azurite stores; what Azure accepts still reaches Azurite.
/// </summary>
public sealed class AzureTableLimitsTests
{
    private readonly TableClient _limited = TestStorage.LimitedTables().GetTableClient(StorageNames.IdMapTable);
    private readonly TableClient _plain = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
    private readonly string _channel = TestStorage.NewChannelId();

    public AzureTableLimitsTests() => _plain.CreateIfNotExists();

    public static TheoryData<string, string> Refused() => new()
    {
        { "string of 32,769 UTF-16 characters", "PropertyValueTooLarge" },
        { "binary of 65,537 bytes", "PropertyValueTooLarge" },
        { "17 strings of 31,000 characters (over 1 MiB)", "EntityTooLarge" },
        { "253 properties (+ 3 system ones)", "TooManyProperties" },
        { "row key with /", "OutOfRangeInput" },
        { "row key with #", "OutOfRangeInput" },
        { "row key with U+0085", "OutOfRangeInput" },
        { "row key of 513 characters", "KeyValueTooLarge" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task What_Azure_refuses_is_refused_with_its_error_code_on_insert_upsert_and_in_a_batch(string what, string code)
    {
        var entity = Build(what);
        var insert = await Assert.ThrowsAsync<RequestFailedException>(() => _limited.AddEntityAsync(entity));
        Assert.True(code == insert.ErrorCode, insert.ToString());
        var upsert = await Assert.ThrowsAsync<RequestFailedException>(() => _limited.UpsertEntityAsync(entity, TableUpdateMode.Replace));
        Assert.True(code == upsert.ErrorCode, upsert.ToString());
        var fine = new TableEntity(_channel, "fine-" + Guid.NewGuid().ToString("N"));
        var batch = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _limited.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, fine), new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity)]));
        Assert.True(code == batch.ErrorCode, batch.ToString());
        Assert.False((await _plain.GetEntityIfExistsAsync<TableEntity>(_channel, fine.RowKey)).HasValue); // nothing of the batch was written
    }

    [Fact]
    public async Task What_Azure_accepts_at_its_limits_reaches_storage()
    {
        var entity = new TableEntity(_channel, new string('k', 512))
        {
            ["Big"] = new string('界', 32_768),
            ["Blob"] = new byte[65_536],
        };
        for (var i = 0; i < 250; i++)
        {
            entity["P" + i] = i;
        }

        await _limited.AddEntityAsync(entity);
        await _limited.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpsertMerge, entity)]);
        await _limited.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace);

        var stored = (await _limited.GetEntityAsync<TableEntity>(_channel, entity.RowKey)).Value;
        Assert.Equal(32_768, stored.GetString("Big").Length);
    }

    private TableEntity Build(string what)
    {
        var entity = new TableEntity(_channel, "row-" + Guid.NewGuid().ToString("N"));
        switch (what)
        {
            case "string of 32,769 UTF-16 characters":
                entity["Ids"] = new string('界', 32_769);
                break;
            case "binary of 65,537 bytes":
                entity["Blob"] = new byte[65_537];
                break;
            case "17 strings of 31,000 characters (over 1 MiB)":
                for (var i = 0; i < 17; i++)
                {
                    entity["S" + i] = new string('x', 31_000);
                }

                break;
            case "253 properties (+ 3 system ones)":
                for (var i = 0; i < 253; i++)
                {
                    entity["P" + i] = i;
                }

                break;
            case "row key with /":
                entity.RowKey = "a/b";
                break;
            case "row key with #":
                entity.RowKey = "a#b";
                break;
            case "row key with U+0085":
                entity.RowKey = "a\u0085b";
                break;
            case "row key of 513 characters":
                entity.RowKey = new string('k', 513);
                break;
        }

        return entity;
    }
}
