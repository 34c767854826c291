using FrontFunctions.Storage;
using NetArchTest.Rules;

namespace FrontFunctions.Tests.Unit.Architecture;

/// <summary>
/// Storage is created at start-up (the local host, the test fixtures; Bicep in Azure), never in a write path: no class of the
/// app outside the Storage room uses <see cref="StorageInitializer"/>. Read from the compiled IL (NetArchTest).
/// </summary>
public sealed class StorageCreationTests
{
    [Fact]
    public void No_room_but_Storage_creates_storage()
    {
        var result = Types.InAssembly(typeof(FrontFunctionsServices).Assembly)
            .That().DoNotResideInNamespace("FrontFunctions.Storage")
            .Should().NotHaveDependencyOnAny(typeof(StorageInitializer).FullName!)
            .GetResult();

        Assert.True(result.IsSuccessful, "Classes that create storage in their path: " + string.Join(", ", result.FailingTypes?.Select(t => t.FullName) ?? []));
    }
}
