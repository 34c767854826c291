using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing.Patterns;

namespace FrontFunctions.LocalHost;

/// <summary>
/// Serves every HTTP-triggered function of the <see cref="FunctionCatalog"/> as the Functions host does: the declared route
/// under <c>/api</c>, the declared methods, the function-key check for non-anonymous levels; then it calls the function's
/// method and executes the <see cref="IActionResult"/> it returns. No logic of its own.
/// </summary>
internal static class HttpFunctionEndpoints
{
    /// <summary>The Functions host's default route prefix (host.json <c>extensions.http.routePrefix</c>, not changed here).</summary>
    public const string RoutePrefix = "api";

    public static void MapHttpFunctions(this IEndpointRouteBuilder routes, IEnumerable<DeclaredFunction> functions, string? functionKey)
    {
        var api = routes.MapGroup("/" + RoutePrefix);
        foreach (var function in functions.Where(f => f.Http is not null))
        {
            var invoke = Binder(function);
            RequestDelegate handler = context => invoke(context);
            var endpoint = function.HttpMethods.Count == 0
                ? api.Map("/" + function.Route, handler)
                : api.MapMethods("/" + function.Route, function.HttpMethods, handler);
            endpoint.WithName(function.Name).WithMetadata(function);
            if (function.RequiresKey)
            {
                // What the Functions host checks before calling a non-anonymous function (locally one key serves every level).
                endpoint.AddEndpointFilter(new FunctionKeyFilter(functionKey)).WithMetadata(FunctionKeyFilter.Required);
            }
        }
    }

    /// <summary>
    /// Builds, once, how each parameter is bound from a request: the trigger's <see cref="HttpRequest"/>, route values by
    /// parameter name, the request's <see cref="CancellationToken"/>. Anything else fails at start-up, naming the parameter.
    /// </summary>
    private static Func<HttpContext, Task> Binder(DeclaredFunction function)
    {
        var routeNames = RoutePatternFactory.Parse(function.Route!).Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var binders = function.Method.GetParameters().Select(parameter => parameter switch
        {
            _ when parameter == function.TriggerParameter || parameter.ParameterType == typeof(HttpRequest) =>
                (Func<HttpContext, object?>)(context => context.Request),
            { ParameterType: var t } when t == typeof(CancellationToken) => context => context.RequestAborted,
            { ParameterType: var t, Name: { } name } when t == typeof(string) && routeNames.Contains(name) =>
                context => context.GetRouteValue(name)?.ToString(),
            _ => throw new NotSupportedException(
                $"The local host cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}) of function {function.Name}: " +
                "it binds the HttpRequest trigger, string route values and the CancellationToken."),
        }).ToArray();
        var result = ResultReader(function);

        return async context =>
        {
            var instance = function.Method.IsStatic ? null : context.RequestServices.GetRequiredService(function.FunctionClass);
            var arguments = Array.ConvertAll(binders, bind => bind(context));
            var returned = function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, arguments, null);
            var actionResult = await result(returned);
            await actionResult.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
        };
    }

    /// <summary>How to get the <see cref="IActionResult"/> out of what the method returns (the result, or a task of it).</summary>
    private static Func<object?, Task<IActionResult>> ResultReader(DeclaredFunction function)
    {
        var type = function.Method.ReturnType;
        if (typeof(IActionResult).IsAssignableFrom(type))
        {
            return returned => Task.FromResult((IActionResult)returned!);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>) && typeof(IActionResult).IsAssignableFrom(type.GetGenericArguments()[0]))
        {
            var resultProperty = type.GetProperty(nameof(Task<int>.Result))!;
            return async returned =>
            {
                var task = (Task)returned!;
                await task.ConfigureAwait(false);
                return (IActionResult)resultProperty.GetValue(task)!;
            };
        }

        throw new NotSupportedException($"The local host runs HTTP functions that return an IActionResult (or a Task of one); {function.Name} returns {type.Name}.");
    }
}
