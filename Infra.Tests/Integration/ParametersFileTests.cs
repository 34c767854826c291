using System.Text.Json.Nodes;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>infra/main.parameters.json (what azd feeds main.bicep) agrees with the parameters main.bicep declares.</summary>
public sealed class ParametersFileTests
{
    private static readonly JsonObject Declared = CompiledInfra.Instance.MainTemplate["parameters"]!.AsObject();

    private static readonly JsonObject Given =
        CompiledInfra.LoadJson(Path.Combine(BicepCli.InfraDirectory, "main.parameters.json"))["parameters"]!.AsObject();

    [Fact]
    public void Every_given_parameter_is_declared_in_main_bicep()
    {
        foreach (var given in Given)
        {
            Assert.True(Declared.ContainsKey(given.Key), $"main.parameters.json sets {given.Key}, which main.bicep does not declare.");
        }
    }

    [Fact]
    public void Every_parameter_without_a_default_is_given()
    {
        foreach (var declared in Declared.Where(p => p.Value?["defaultValue"] is null))
        {
            Assert.True(Given.ContainsKey(declared.Key), $"main.bicep needs {declared.Key}; map it in main.parameters.json.");
        }
    }

    [Fact]
    public void Secure_parameters_come_from_the_azd_environment_never_from_the_file()
    {
        var secure = Declared.Where(p => p.Value?["type"]?.GetValue<string>() is "securestring" or "secureObject").Select(p => p.Key).ToArray();
        Assert.NotEmpty(secure);
        foreach (var name in secure.Where(Given.ContainsKey))
        {
            var value = Given[name]?["value"]?.GetValue<string>() ?? "";
            Assert.Matches(@"^\$\{[A-Z0-9_]+\}$", value);
        }
    }
}
