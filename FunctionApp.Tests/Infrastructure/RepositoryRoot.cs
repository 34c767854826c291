namespace FrontFunctions.Tests.Infrastructure;

/// <summary>The repository's root folder, found by walking up from the test assembly to <c>FrontFunctions.sln</c>.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("FrontFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
