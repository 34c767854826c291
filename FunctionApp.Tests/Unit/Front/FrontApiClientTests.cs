using System.IdentityModel.Tokens.Jwt;
using System.Net;
using FrontFunctions.Front;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Unit.Front;

public sealed class FrontApiClientTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create(withStorage: false);

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private FrontApiClient Client => _host.Get<FrontApiClient>();

    [Fact]
    public async Task Get_message_sends_a_fresh_channel_token_and_reads_the_fields_we_need()
    {
        _host.Front.Respond = _ => Task.FromResult(StubFrontHandler.Message("msg_1", "cnv_9", "ext/1#?", uid: "uid-1"));

        var message = await Client.GetMessageAsync("cha_1", "msg_1");

        Assert.Equal("msg_1", message.Id);
        Assert.Equal("ext/1#?", message.ExternalId);
        Assert.Equal("uid-1", message.MessageUid);
        Assert.Equal("cnv_9", message.ConversationId);
        var request = Assert.Single(_host.Front.Requests);
        Assert.Equal("/messages/msg_1", request.Path);
        var token = new JwtSecurityTokenHandler().ReadJwtToken(request.BearerToken);
        Assert.Equal("cha_1", token.Subject);
        Assert.Equal(FrontTestHost.AppUid, token.Issuer);
    }

    [Fact]
    public async Task Get_message_by_uid_uses_the_alias_path()
    {
        _host.Front.Respond = _ => Task.FromResult(StubFrontHandler.Message("msg_2", "cnv_9", "e"));

        await Client.GetMessageByUidAsync("cha_1", "abc123");

        Assert.Equal("/messages/alt:uid:abc123", Assert.Single(_host.Front.Requests).Path);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task Refusals_and_missing_resources_are_permanent_and_not_retried(HttpStatusCode status)
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(status));

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Client.GetMessageAsync("cha_1", "msg_1"));

        Assert.True(e.Permanent);
        Assert.Equal((int)status, e.StatusCode);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Reason, StringComparison.Ordinal);
        var request = Assert.Single(_host.Front.Requests);
        Assert.DoesNotContain(request.BearerToken!, e.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", e.ToString(), StringComparison.Ordinal); // no JWT anywhere in the exception
    }

    [Fact]
    public async Task Server_errors_are_retried_each_attempt_through_the_gate_with_a_new_token()
    {
        var calls = 0;
        _host.Front.Respond = _ => Task.FromResult(Interlocked.Increment(ref calls) < 3
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : StubFrontHandler.Message("msg_1", "cnv_1", "e1"));

        var message = await Client.GetMessageAsync("cha_1", "msg_1");

        Assert.Equal("e1", message.ExternalId);
        Assert.Equal(3, _host.Front.Requests.Count);
        Assert.Equal(3, _host.Get<FrontRateGate>().RequestsPassed);
        var jtis = _host.Front.Requests.Select(r => new JwtSecurityTokenHandler().ReadJwtToken(r.BearerToken).Id).Distinct().Count();
        Assert.Equal(3, jtis);
    }

    [Fact]
    public async Task Persistent_server_errors_end_as_a_transient_failure_after_the_retries()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Client.GetConversationAsync("cha_1", "cnv_1"));

        Assert.False(e.Permanent);
        Assert.Equal(3, _host.Front.Requests.Count); // 1 + MaxRetries (2)
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_and_pauses_the_gate()
    {
        var calls = 0;
        _host.Front.Respond = _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                throttled.Headers.Add("Retry-After", "1");
                throttled.Headers.Add("x-ratelimit-remaining", "5");
                return Task.FromResult(throttled);
            }

            return Task.FromResult(StubFrontHandler.Conversation("cnv_1", "x1"));
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await Client.GetConversationAsync("cha_1", "cnv_1");

        Assert.Equal(["x1"], result.ExternalConversationIds);
        Assert.Equal(2, _host.Front.Requests.Count);
        Assert.Equal(1, _host.Get<FrontRateGate>().ThrottledResponses);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {started.Elapsed}");
    }

    [Theory]
    [InlineData("1764504000000")] // milliseconds
    [InlineData("Infinity")]
    [InlineData("1e300")]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task An_out_of_range_rate_limit_reset_keeps_the_good_answer(string reset)
    {
        _host.Front.Respond = _ =>
        {
            var response = StubFrontHandler.Message("msg_1", "cnv_1", "e1");
            response.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "90");
            response.Headers.TryAddWithoutValidation("x-ratelimit-reset", reset);
            return Task.FromResult(response);
        };

        var message = await Client.GetMessageAsync("cha_1", "msg_1");

        Assert.Equal("e1", message.ExternalId);
        Assert.Single(_host.Front.Requests); // answered at once, not retried
    }

    [Fact]
    public async Task A_merged_conversation_is_followed_to_its_survivor()
    {
        _host.Front.Respond = request => Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/conversations/cnv_old" => StubFrontHandler.Redirect("cnv_new"),
            "/conversations/cnv_new" => StubFrontHandler.Conversation("cnv_new", "x-old", "x-new"),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });

        var result = await Client.GetConversationAsync("cha_1", "cnv_old");

        Assert.True(result.Redirected);
        Assert.Equal("cnv_old", result.RequestedId);
        Assert.Equal("cnv_new", result.ConversationId);
        Assert.Equal(["x-old", "x-new"], result.ExternalConversationIds);
        Assert.All(_host.Front.Requests, r => Assert.False(string.IsNullOrEmpty(r.BearerToken)));
        Assert.Equal(2, _host.Front.Requests.Select(r => r.BearerToken).Distinct().Count());
    }

    [Fact]
    public async Task A_conversation_that_was_not_merged_is_not_redirected()
    {
        _host.Front.Respond = _ => Task.FromResult(StubFrontHandler.Conversation("cnv_1"));

        var result = await Client.GetConversationAsync("cha_1", "cnv_1");

        Assert.False(result.Redirected);
        Assert.Empty(result.ExternalConversationIds);
    }

    private static readonly byte[] ImportBody = """{"sender":{"handle":"h"},"body":"b","metadata":{"external_id":"e","external_conversation_id":"c"}}"""u8.ToArray();

    private static HttpResponseMessage Accepted() =>
        StubFrontHandler.Json("""{"status":"accepted","message_uid":"uid-1"}""", HttpStatusCode.Accepted);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task An_import_answered_5xx_or_408_is_not_sent_again(HttpStatusCode status)
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(status));

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Client.ImportAsync("cha_1", inbound: true, ImportBody));

        Assert.Single(_host.Front.Requests);
        Assert.False(e.ProvedNotActed);
        Assert.False(e.Permanent);
    }

    [Fact]
    public async Task An_import_whose_connection_dropped_after_sending_is_not_sent_again()
    {
        _host.Front.Respond = _ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.");

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Client.ImportAsync("cha_1", inbound: true, ImportBody));

        Assert.Single(_host.Front.Requests);
        Assert.False(e.ProvedNotActed);
    }

    [Fact]
    public async Task An_import_refused_by_the_connection_or_a_429_is_sent_again()
    {
        var calls = 0;
        _host.Front.Respond = _ => Interlocked.Increment(ref calls) switch
        {
            1 => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)),
            2 => Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests)),
            _ => Task.FromResult(Accepted()),
        };

        var uid = await Client.ImportAsync("cha_1", inbound: true, ImportBody);

        Assert.Equal("uid-1", uid);
        Assert.Equal(3, _host.Front.Requests.Count);
        Assert.All(_host.Front.Requests, r => Assert.Equal("POST", r.Method));
    }

    [Fact]
    public async Task An_import_never_connected_after_the_retries_proves_Front_did_not_act()
    {
        _host.Front.Respond = _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Client.ImportAsync("cha_1", inbound: true, ImportBody));

        Assert.True(e.NotSent);
        Assert.True(e.ProvedNotActed);
        Assert.Equal(3, _host.Front.Requests.Count); // the call and its two retries (Front:MaxRetries = 2)
    }
}
