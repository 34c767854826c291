using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.LocalHost;

/// <summary>
/// The app's functions as their attributes declare them — <c>[Function]</c> on the method, <c>[HttpTrigger]</c> or
/// <c>[QueueTrigger]</c> on a parameter — read by reflection, the same declaration the Functions SDK generator turns into
/// <c>functions.metadata</c>. The local host serves what this lists, so a new function needs no change in the local host.
/// </summary>
public static class FunctionCatalog
{
    private static readonly Lazy<IReadOnlyList<DeclaredFunction>> App = new(() => Discover(typeof(FrontFunctionsServices).Assembly));

    /// <summary>The functions of the FrontFunctions app, ordered by name.</summary>
    public static IReadOnlyList<DeclaredFunction> Functions => App.Value;

    public static IReadOnlyList<DeclaredFunction> Discover(Assembly assembly) =>
        assembly.GetExportedTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Function: method.GetCustomAttribute<FunctionAttribute>()))
            .Where(m => m.Function is not null)
            .Select(m => Declare(m.Function!.Name, m.Method))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

    private static DeclaredFunction Declare(string name, MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                return new DeclaredFunction(name, method, parameter, http, null);
            }

            if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is { } queue)
            {
                return new DeclaredFunction(name, method, parameter, null, queue);
            }
        }

        return new DeclaredFunction(name, method, null, null, null);
    }
}

/// <summary>One function: its name, the method the host calls, and its trigger (HTTP, queue, or one the local host does not serve).</summary>
public sealed record DeclaredFunction(
    string Name, MethodInfo Method, ParameterInfo? TriggerParameter, HttpTriggerAttribute? Http, QueueTriggerAttribute? Queue)
{
    public Type FunctionClass => Method.DeclaringType!;

    /// <summary>The route template below the <c>/api</c> prefix; the Functions host uses the function name when none is given.</summary>
    public string? Route => Http is null ? null : Http.Route ?? Name;

    /// <summary>Upper-case HTTP methods; empty when the trigger accepts every method.</summary>
    public IReadOnlyList<string> HttpMethods => Http?.Methods is { Length: > 0 } methods
        ? methods.Select(m => m.ToUpperInvariant()).ToArray()
        : [];

    /// <summary>Whether the host requires a function key (every level but anonymous).</summary>
    public bool RequiresKey => Http is not null && Http.AuthLevel != AuthorizationLevel.Anonymous;
}
