using System.Security.Cryptography;
using System.Text;

namespace FrontFunctions.LocalHost;

/// <summary>
/// What the Functions host does for <c>AuthorizationLevel.Function</c>: the key in the <c>x-functions-key</c> header or the
/// <c>code</c> query parameter must match, else 401. The key is the <c>LocalHost__FunctionKey</c> setting; without it every
/// keyed request is refused. The answer says which of the three it is (no key configured, none given, a wrong one).
/// </summary>
internal sealed class FunctionKeyFilter(string? key) : IEndpointFilter
{
    /// <summary>Endpoint metadata marking the routes this filter guards (what the contract test reads).</summary>
    public static readonly object Required = new FunctionKeyRequired();

    private readonly byte[]? _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        var refusal = (_key, given) switch
        {
            (null, _) => "This host has no function key configured (set LocalHost__FunctionKey in local.settings.json).",
            (_, null or "") => "A function key is required (x-functions-key header or code query parameter).",
            _ when !CryptographicOperations.FixedTimeEquals(_key, Encoding.UTF8.GetBytes(given)) =>
                "The function key is wrong (x-functions-key header or code query parameter); the local key is LocalHost__FunctionKey in local.settings.json.",
            _ => null,
        };
        if (refusal is not null)
        {
            return ValueTask.FromResult<object?>(Results.Json(
                new { type = "unauthorized", message = refusal }, statusCode: StatusCodes.Status401Unauthorized));
        }

        return next(context);
    }

    private sealed record FunctionKeyRequired;
}
