using System.Text.Json;
using FrontFunctions.Http;

namespace FrontFunctions.Tests.Unit.Http;

public sealed class PlainJsonEncoderTests
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = PlainJsonEncoder.Instance };

    [Theory]
    [InlineData("sms:+15550100", "\"sms:+15550100\"")]
    [InlineData("🚀 漢字 é", "\"🚀 漢字 é\"")]
    [InlineData("<a href='x'>&</a>", "\"<a href='x'>&</a>\"")]
    [InlineData("q\"b\\n\nt\tc\u0001", "\"q\\\"b\\\\n\\nt\\tc\\u0001\"")]
    public void Writes_utf8_and_escapes_only_what_json_requires(string value, string expected)
    {
        var json = JsonSerializer.Serialize(value, Options);

        Assert.Equal(expected, json);
        Assert.Equal(value, JsonSerializer.Deserialize<string>(json));
    }
}
