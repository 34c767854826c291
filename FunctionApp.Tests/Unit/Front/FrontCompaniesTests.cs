using System.Net;
using System.Text;
using FrontFunctions.Front;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>Issue 22, point 1: a channel's company read from Front's own answers (links, Location, x-ratelimit-limit).</summary>
public sealed class FrontCompaniesTests
{
    [Theory]
    [InlineData("https://acme.api.frontapp.com/messages/msg_1", "acme")]
    [InlineData("https://ACME-Corp.api.frontapp.com/conversations/cnv_1", "acme-corp")]
    [InlineData("https://api2.frontapp.com/messages/msg_1", null)] // Front's shared host names no company
    [InlineData("http://acme.api.frontapp.com/messages/msg_1", null)] // never plain http
    [InlineData("https://acme.api.frontapp.com.evil.example/messages/msg_1", null)]
    [InlineData("https://a.b.api.frontapp.com/x", null)]
    [InlineData("https://-acme.api.frontapp.com/x", null)]
    [InlineData("not a link", null)]
    [InlineData(null, null)]
    public void A_link_names_its_company_only_on_a_company_host(string? link, string? company) =>
        Assert.Equal(company, FrontCompanies.FromLink(link));

    [Fact]
    public void A_body_names_the_company_of_its_first_company_link()
    {
        const string body = """{"_links":{"self":"https://api2.frontapp.com/x","related":{"conversation":"https://globex.api.frontapp.com/conversations/cnv_1"}},"id":"msg_1"}""";
        Assert.Equal("globex", FrontCompanies.FromBody(body));
        Assert.Null(FrontCompanies.FromBody("""{"id":"msg_1","body":"see https://api2.frontapp.com/"}"""));
        Assert.Null(FrontCompanies.FromBody(""));
    }

    [Theory]
    [InlineData("100", 100)]
    [InlineData("50", 50)]
    [InlineData("200.0", 200)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("NaN", null)]
    [InlineData("1e300", null)]
    [InlineData("garbage", null)]
    public void The_limit_header_is_read_when_plausible(string value, int? limit)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("x-ratelimit-limit", value);
        Assert.Equal(limit, FrontCompanies.LimitOf(response));
    }

    [Fact]
    public async Task A_response_names_its_company_by_location_or_json_body_and_stays_readable()
    {
        using var redirect = new HttpResponseMessage(HttpStatusCode.MovedPermanently);
        redirect.Headers.Location = new Uri("https://initech.api.frontapp.com/conversations/cnv_2");
        Assert.Equal("initech", await FrontCompanies.FromResponseAsync(redirect, CancellationToken.None));

        const string json = """{"_links":{"self":"https://acme.api.frontapp.com/messages/msg_1"}}""";
        using var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        Assert.Equal("acme", await FrontCompanies.FromResponseAsync(ok, CancellationToken.None));
        Assert.Equal(json, await ok.Content.ReadAsStringAsync()); // the client still reads the whole body

        using var binary = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json)) };
        binary.Content.Headers.ContentType = new("application/octet-stream"); // an attachment: never searched
        Assert.Null(await FrontCompanies.FromResponseAsync(binary, CancellationToken.None));
    }
}
