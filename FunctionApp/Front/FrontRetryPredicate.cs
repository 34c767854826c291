using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace FrontFunctions.Front;

/// <summary>
/// Which failed attempts the Front client's retry may repeat. A safe method (GET) keeps the standard HTTP predicate (5xx, 408,
/// 429, connection failures, attempt timeouts). An unsafe one — the sync import POST, which creates a message each time Front
/// acts on it — is repeated only after an outcome that proves Front did not act: a 429 (Front refused it before doing
/// anything; dev.frontapp.com "Rate limiting") or a connection that could not be made (nothing was written). A timeout, a
/// connection dropped after the request was sent, or a 5xx (possibly from a proxy after Front acted) is never repeated: the
/// caller records the import as <c>unknown</c>. Built like the library's own <c>DisableForUnsafeHttpMethods</c>, which wraps
/// <see cref="HttpRetryStrategyOptions.ShouldHandle"/> with the request's method, but keeps the provable cases.
/// </summary>
public static class FrontRetryPredicate
{
    public static void RetryUnsafeMethodsOnlyWhenNotActed(HttpRetryStrategyOptions options)
    {
        var standard = options.ShouldHandle;
        options.ShouldHandle = args =>
        {
            var method = args.Context.GetRequestMessage()?.Method ?? args.Outcome.Result?.RequestMessage?.Method;
            return method is null || IsSafe(method) ? standard(args) : ValueTask.FromResult(ProvesNotActed(args.Outcome));
        };
    }

    public static bool IsSafe(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace;

    /// <summary>A 429, or a connection that was never made.</summary>
    public static bool ProvesNotActed(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests }
        || (outcome.Exception is HttpRequestException e && ProvesNotSent(e));

    /// <summary>
    /// The connection could not be established (<see cref="HttpRequestError.ConnectionError"/>: refused, unreachable, DNS),
    /// so no byte of the request left. Any other error may come after the request was written.
    /// </summary>
    public static bool ProvesNotSent(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || (e.HttpRequestError == HttpRequestError.Unknown && e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused });
}
