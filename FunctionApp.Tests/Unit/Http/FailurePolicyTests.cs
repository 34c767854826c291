using Azure;
using Azure.Identity;
using FrontFunctions.Http;

namespace FrontFunctions.Tests.Unit.Http;

/// <summary>One predicate decides, for every HTTP function, which failures answer 503.</summary>
public class FailurePolicyTests
{
    public static TheoryData<string, Exception> StorageFailures => new()
    {
        { "storage answered an error", new RequestFailedException(500, "Internal error") },
        { "no connection", new HttpRequestException("Connection refused") },
        { "timed out", new TimeoutException() },
        { "the SDK's network timeout", new TaskCanceledException() },
        { "no token for an identity-based connection", new CredentialUnavailableException("no identity") },
        { "the SDK's retries, all failed", new AggregateException(new RequestFailedException("a"), new RequestFailedException("b")) },
    };

    [Theory]
    [MemberData(nameof(StorageFailures))]
    public void Storage_failures_answer_503(string _, Exception exception) =>
        Assert.True(FailurePolicy.IsStorageUnavailable(exception, CancellationToken.None));

    public static TheoryData<string, Exception> Defects => new()
    {
        { "a bug", new InvalidOperationException() },
        { "a null", new NullReferenceException() },
        { "bad data", new System.Text.Json.JsonException() },
        { "an aggregate holding a bug", new AggregateException(new RequestFailedException("a"), new InvalidOperationException()) },
        { "an empty aggregate", new AggregateException() },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public void Defects_are_not_reported_as_storage_unavailable(string _, Exception exception) =>
        Assert.False(FailurePolicy.IsStorageUnavailable(exception, CancellationToken.None));

    [Fact]
    public void A_request_the_caller_cancelled_is_not_a_storage_failure()
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();

        Assert.False(FailurePolicy.IsStorageUnavailable(new OperationCanceledException(aborted.Token), aborted.Token));
    }
}
