using FrontFunctions.Imports;

namespace FrontFunctions.Tests.Unit.Imports;

/// <summary>The import row's rules: status only moves forward, and only the request holding a reservation completes it.</summary>
public sealed class ImportTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private static ImportEntity Row(string status, string? uid = "uid-1", string reservation = "r1", DateTimeOffset? reservedAt = null) => new()
    {
        PartitionKey = "cha_1",
        RowKey = ImportKeys.Import("ext-1"),
        Status = status,
        ExternalId = "ext-1",
        MessageUid = uid,
        ReservationId = reservation,
        ReservedAt = reservedAt ?? Now,
    };

    [Theory]
    [InlineData(ImportStatus.Accepted)]
    [InlineData(ImportStatus.Imported)]
    public void An_accepted_or_imported_row_is_never_reserved_again(string status) =>
        Assert.Null(ImportTransitions.Reserve(Row(status), Row(ImportStatus.Sending, null, "r2"), Now, Lease));

    [Fact]
    public void A_fresh_reservation_holds_a_stale_one_becomes_unknown_and_only_a_refusal_is_taken_over()
    {
        Assert.Null(ImportTransitions.Reserve(Row(ImportStatus.Sending, null), Row(ImportStatus.Sending, null, "r2"), Now.AddMinutes(4), Lease));
        var stale = ImportTransitions.Reserve(Row(ImportStatus.Sending, null), Row(ImportStatus.Sending, null, "r2"), Now.AddMinutes(6), Lease)!;
        Assert.Equal((ImportStatus.Unknown, "r1"), (stale.Status, stale.ReservationId)); // its call may have reached Front: not sent again
        Assert.Equal("r2", ImportTransitions.Reserve(Row(ImportStatus.Failed, uid: null), Row(ImportStatus.Sending, null, "r2"), Now, Lease)!.ReservationId);
        Assert.Equal(ImportStatus.Sending, ImportTransitions.Reserve(null, Row(ImportStatus.Sending, null, "r2"), Now, Lease)!.Status);
    }

    [Theory]
    [InlineData(ImportStatus.Unknown, null)]
    [InlineData(ImportStatus.Failed, "uid-1")] // failed by the overdue lookup: Front accepted it, it may still land
    public void An_unknown_row_or_one_failed_after_Front_accepted_it_is_never_reserved_again(string status, string? uid) =>
        Assert.Null(ImportTransitions.Reserve(Row(status, uid), Row(ImportStatus.Sending, null, "r2"), Now.AddDays(1), Lease));

    [Fact]
    public void A_lost_answer_makes_its_reservation_unknown_and_a_notification_settles_it()
    {
        var unknown = ImportTransitions.Unknown(Row(ImportStatus.Sending, null), "r1", "timeout", new byte[] { 1, 2 }, Now)!;
        Assert.Equal((ImportStatus.Unknown, "timeout", Now), (unknown.Status, unknown.Reason, unknown.UnknownAt));
        Assert.Equal([1, 2], unknown.Body);
        Assert.Null(ImportTransitions.Unknown(Row(ImportStatus.Sending, null), "r2", "timeout", default, Now));
        Assert.Null(ImportTransitions.Unknown(Row(ImportStatus.Imported), "r1", "timeout", default, Now)); // the notification came first

        var imported = ImportTransitions.Imported(unknown, "uid-7", "msg_1", "cnv_1", Now)!;
        Assert.Equal((ImportStatus.Imported, "uid-7", null, null), (imported.Status, imported.MessageUid, imported.Reason, imported.Body));
    }

    [Fact]
    public void Send_again_needs_an_unknown_row_its_body_and_the_window_over()
    {
        var unknown = ImportTransitions.Unknown(Row(ImportStatus.Sending, null), "r1", "timeout", new byte[] { 1 }, Now)!;
        var window = TimeSpan.FromMinutes(1);

        Assert.Null(ImportTransitions.SendAgain(unknown, "r2", Now.AddSeconds(30), window));
        var again = ImportTransitions.SendAgain(unknown, "r2", Now.AddMinutes(2), window)!;
        Assert.Equal((ImportStatus.Sending, "r2", 1), (again.Status, again.ReservationId, again.SentAgain));
        Assert.Null(ImportTransitions.SendAgain(Row(ImportStatus.Accepted), "r2", Now.AddMinutes(2), window));
        var noBody = ImportTransitions.Unknown(Row(ImportStatus.Sending, null), "r1", "t", new byte[ImportTransitions.MaxKeptBodyBytes + 1], Now)!;
        Assert.Null(ImportTransitions.SendAgain(noBody, "r2", Now.AddMinutes(2), window));
    }

    [Fact]
    public void Accept_completes_only_its_own_reservation()
    {
        Assert.Equal(ImportStatus.Accepted, ImportTransitions.Accept(Row(ImportStatus.Sending, null), "r1", "uid-9", Now)!.Status);
        Assert.Null(ImportTransitions.Accept(Row(ImportStatus.Sending, null), "other", "uid-9", Now));
    }

    [Fact]
    public void A_notification_before_the_202_was_recorded_is_not_undone_by_it()
    {
        var imported = ImportTransitions.Imported(Row(ImportStatus.Sending, null), "uid-9", "msg_1", "cnv_1", Now)!;
        Assert.Equal(ImportStatus.Imported, imported.Status);

        var accepted = ImportTransitions.Accept(imported, "r1", "uid-9", Now);

        Assert.Null(accepted); // nothing to change: imported stays
    }

    [Fact]
    public void Imported_needs_the_same_uid_and_revives_only_a_failure_of_that_uid()
    {
        Assert.Null(ImportTransitions.Imported(Row(ImportStatus.Accepted, "uid-1"), "uid-2", "msg_1", "cnv_1", Now));
        Assert.Null(ImportTransitions.Imported(Row(ImportStatus.Failed, uid: null), "uid-1", "msg_1", "cnv_1", Now)); // Front refused it
        Assert.Null(ImportTransitions.Imported(Row(ImportStatus.Failed, uid: "uid-1"), "uid-2", "msg_1", "cnv_1", Now));
        var overdue = Row(ImportStatus.Failed, uid: "uid-1");
        overdue.Reason = "GET /messages/alt:uid answered 404";
        var late = ImportTransitions.Imported(overdue, "uid-1", "msg_1", "cnv_1", Now)!;
        Assert.Equal((ImportStatus.Imported, null), (late.Status, late.Reason)); // overdue, then Front created it after all
        Assert.Null(ImportTransitions.Imported(null, "uid-1", "msg_1", "cnv_1", Now));
        var row = ImportTransitions.Imported(Row(ImportStatus.Accepted), "uid-1", "msg_1", "cnv_1", Now)!;
        Assert.Equal(("msg_1", "cnv_1", ImportStatus.Imported), (row.MessageId, row.ConversationId, row.Status));
        Assert.Null(ImportTransitions.Imported(row, "uid-1", "msg_1", "cnv_1", Now)); // a duplicate notification writes nothing
    }

    [Fact]
    public void Fail_applies_to_its_reservation_or_its_accepted_uid_never_to_an_imported_row()
    {
        Assert.Equal(ImportStatus.Failed, ImportTransitions.Fail(Row(ImportStatus.Sending, null), "r1", null, "refused")!.Status);
        Assert.Null(ImportTransitions.Fail(Row(ImportStatus.Sending, null), "r2", null, "refused"));
        Assert.Equal("gone", ImportTransitions.Fail(Row(ImportStatus.Accepted), null, "uid-1", "gone")!.Reason);
        Assert.Null(ImportTransitions.Fail(Row(ImportStatus.Accepted), null, "uid-2", "gone"));
        Assert.Null(ImportTransitions.Fail(Row(ImportStatus.Imported), "r1", "uid-1", "late"));
    }
}
