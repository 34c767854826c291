using System.Text;
using FrontFunctions.Imports;

namespace FrontFunctions.Tests.Unit.Imports;

public sealed class ImportBodyParseTests
{
    [Fact]
    public void Invalid_json_is_named_with_its_line_and_byte()
    {
        var (root, problem) = ImportRequestValidator.Parse(Encoding.UTF8.GetBytes("{\n  \"body\": \"x\",\n  \"sender\": }"));

        Assert.Null(root);
        Assert.Equal("the body is not valid JSON (line 3, byte 12)", problem);
    }
}
