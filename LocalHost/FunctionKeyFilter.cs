using System.Security.Cryptography;
using System.Text;

namespace FrontFunctions.LocalHost;

/// <summary>
/// What the Functions host does for <c>AuthorizationLevel.Function</c>: the key in the <c>x-functions-key</c> header or the
/// <c>code</c> query parameter must match, else 401. The key is the <c>LocalHost__FunctionKey</c> setting; without it every
/// keyed request is refused.
/// </summary>
internal sealed class FunctionKeyFilter(string? key) : IEndpointFilter
{
    private readonly byte[]? _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (_key is null || given is null || !CryptographicOperations.FixedTimeEquals(_key, Encoding.UTF8.GetBytes(given)))
        {
            return ValueTask.FromResult<object?>(Results.Json(
                new { type = "unauthorized", message = "A function key is required (x-functions-key header or code query parameter)." },
                statusCode: StatusCodes.Status401Unauthorized));
        }

        return next(context);
    }
}
