using System.Text;
using FrontFunctions.Front;
using FrontFunctions.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

public class FrontSignatureVerifierTests
{
    private const string Secret = "front-test-secret";
    private const string Body = """{"type":"delete","payload":{"channel_id":"cha_1"}}""";
    private const string Timestamp = "1700000000000";

    // printf '%s' '1700000000000:{"type":"delete","payload":{"channel_id":"cha_1"}}' | openssl dgst -sha256 -hmac front-test-secret -binary | base64
    private const string OpensslSignature = "vN8m0eZqIHRk7gwA8pw4lRwN60IOILlrltV6lmivcM8=";

    // printf '%s' '1700000000000:undefined' | openssl dgst -sha256 -hmac front-test-secret -binary | base64
    private const string OpensslUndefinedSignature = "pBhpvtA6EdlkYIIUC8Fby55/G70VMj4nHi0FFUakX7k=";

    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000);

    private static FrontSignatureVerifier Verifier(DateTimeOffset now, string secret = Secret, string? previous = null) =>
        new(Options.Create(new FrontOptions { AppSecret = secret, PreviousAppSecret = previous, AppUid = "app", PublicBaseUrl = new Uri("http://localhost") }),
            new FakeTimeProvider(now));

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Known_answer_vector_computed_with_openssl_is_accepted()
    {
        Assert.Equal(SignatureCheck.Valid, Verifier(SignedAt).Verify(Timestamp, OpensslSignature, Bytes(Body)));
        Assert.Equal(OpensslSignature, FrontWebhookSigner.Sign(Secret, Timestamp, Bytes(Body)));
    }

    [Fact]
    public void Literal_undefined_body_of_a_delete_matches_openssl() =>
        Assert.Equal(SignatureCheck.Valid, Verifier(SignedAt).Verify(Timestamp, OpensslUndefinedSignature, FrontSignatureVerifier.UndefinedBody));

    [Fact]
    public void Tampered_body_is_rejected() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(SignedAt).Verify(Timestamp, OpensslSignature, Bytes(Body.Replace("cha_1", "cha_2"))));

    [Fact]
    public void Reserialised_body_with_other_whitespace_is_rejected() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(SignedAt).Verify(Timestamp, OpensslSignature, Bytes(Body.Replace(",", ", "))));

    [Fact]
    public void Tampered_timestamp_is_rejected() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(SignedAt).Verify("1700000000001", OpensslSignature, Bytes(Body)));

    [Fact]
    public void Wrong_secret_is_rejected() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(SignedAt, secret: "another-secret").Verify(Timestamp, OpensslSignature, Bytes(Body)));

    [Fact]
    public void Previous_secret_is_accepted_during_rotation() =>
        Assert.Equal(SignatureCheck.Valid, Verifier(SignedAt, secret: "new-secret", previous: Secret).Verify(Timestamp, OpensslSignature, Bytes(Body)));

    [Fact]
    public void Previous_secret_is_refused_once_it_is_removed() =>
        Assert.Equal(SignatureCheck.Mismatch, Verifier(SignedAt, secret: "new-secret", previous: "").Verify(Timestamp, OpensslSignature, Bytes(Body)));

    [Theory]
    [InlineData(-300_000, SignatureCheck.Valid)]   // exactly 5 minutes old
    [InlineData(-300_001, SignatureCheck.StaleTimestamp)]
    [InlineData(300_000, SignatureCheck.Valid)]    // exactly 5 minutes in the future
    [InlineData(300_001, SignatureCheck.StaleTimestamp)]
    public void Timestamps_are_accepted_up_to_five_minutes_either_side(long offsetMs, SignatureCheck expected)
    {
        // "now" moves; the request keeps its signed timestamp: a request signed offsetMs away from now.
        var now = SignedAt.AddMilliseconds(-offsetMs);
        Assert.Equal(expected, Verifier(now).Verify(Timestamp, OpensslSignature, Bytes(Body)));
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("1700000000000.5")]
    [InlineData("-1700000000000")]
    [InlineData("1e12")]
    [InlineData("99999999999999999999999")]
    public void Non_numeric_timestamp_is_rejected(string timestamp) =>
        Assert.Equal(SignatureCheck.MalformedTimestamp, Verifier(SignedAt).Verify(timestamp, OpensslSignature, Bytes(Body)));

    [Theory]
    [InlineData(null, OpensslSignature)]
    [InlineData(Timestamp, null)]
    [InlineData("", OpensslSignature)]
    [InlineData(Timestamp, " ")]
    public void Missing_headers_are_rejected(string? timestamp, string? signature) =>
        Assert.Equal(SignatureCheck.MissingHeaders, Verifier(SignedAt).Verify(timestamp, signature, Bytes(Body)));

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")] // valid base64, wrong length
    public void Malformed_signature_is_rejected(string signature) =>
        Assert.Equal(SignatureCheck.MalformedSignature, Verifier(SignedAt).Verify(Timestamp, signature, Bytes(Body)));

    // A header sent twice reaches the app as one comma-joined value (RFC 9110 §5.3); neither value may be picked.
    [Theory]
    [InlineData(Timestamp, OpensslSignature + "," + OpensslSignature)]
    [InlineData(Timestamp, OpensslSignature + ", c2hvcnQ=")]
    [InlineData(Timestamp + "," + Timestamp, OpensslSignature)]
    [InlineData(Timestamp + ", ", OpensslSignature)]
    [InlineData(",", OpensslSignature)]
    public void Header_given_more_than_once_is_rejected(string timestamp, string signature) =>
        Assert.Equal(SignatureCheck.RepeatedHeader, Verifier(SignedAt).Verify(timestamp, signature, Bytes(Body)));
}
