using FrontFunctions.Http;

namespace FrontFunctions.Tests.Unit.Http;

/// <summary>What a JSON body (webhook, import, status report, console post) may be declared as: identity-encoded JSON in UTF-8, or undeclared.</summary>
public class JsonContentTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("application/json", null)]
    [InlineData("application/json; charset=utf-8", "identity")]
    [InlineData("APPLICATION/JSON;CHARSET=\"UTF-8\"", "Identity")]
    [InlineData("application/json; charset=utf8", null)]
    [InlineData("application/vnd.front+json", null)]
    [InlineData("application/problem+json; charset=utf-8", "identity, identity")]
    public void Json_in_utf8_without_a_coding_is_accepted(string? contentType, string? contentEncoding) =>
        Assert.Null(JsonContent.UnsupportedProblem(contentType, contentEncoding));

    [Theory]
    [InlineData("text/plain", null, "Content-Type")]
    [InlineData("text/json", null, "Content-Type")]
    [InlineData("application/jsonx", null, "Content-Type")]
    [InlineData("application/json, text/plain", null, "Content-Type")]
    [InlineData("application/json; charset=iso-8859-1", null, "charset")]
    [InlineData("application/json; charset=utf-16", null, "charset")]
    [InlineData("json", null, "Content-Type")]
    [InlineData("application/json", "gzip", "Content-Encoding")]
    [InlineData("application/json", "identity, br", "Content-Encoding")]
    [InlineData(null, "deflate", "Content-Encoding")]
    public void Anything_else_is_refused_naming_the_header(string? contentType, string? contentEncoding, string named) =>
        Assert.Contains(named, JsonContent.UnsupportedProblem(contentType, contentEncoding), StringComparison.Ordinal);
}
