using System.Net;
using System.Text.Json;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.LocalHost;

/// <summary>The lookup API's function key, as a newcomer meets it: the 401 says whether the key is missing or wrong.</summary>
public sealed class FunctionKeyTests : IAsyncLifetime
{
    private RunningLocalHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningLocalHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Message)> GetAsync(string query, string? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/map/cha_keys/messages?external_id=x" + query);
        if (header is not null)
        {
            request.Headers.Add("x-functions-key", header);
        }

        using var response = await _host.Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("message").GetString()!);
    }

    [Theory]
    [InlineData("&code=not-the-key", null)]
    [InlineData("", "not-the-key")]
    public async Task A_wrong_key_is_401_saying_the_key_is_wrong(string query, string? header)
    {
        var (status, message) = await GetAsync(query, header);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("wrong", message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("required", message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_missing_key_is_401_saying_one_is_required()
    {
        var (status, message) = await GetAsync("");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("required", message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong", message, StringComparison.OrdinalIgnoreCase);
    }
}
