using Microsoft.Net.Http.Headers;

namespace FrontFunctions.Http;

/// <summary>
/// What a JSON body may be declared as, for every HTTP function that takes one: identity-encoded JSON in UTF-8. An absent
/// Content-Type is accepted (Front's own is not documented, docs/front-channel-api.md; the body is checked as JSON by
/// <see cref="JsonText"/> anyway); a declared one must be JSON (<c>application/json</c> or a <c>+json</c> type), with no
/// charset or <c>utf-8</c> (<c>utf8</c> too, a common alias).
/// </summary>
public static class JsonContent
{
    /// <summary>Why the body cannot be read as declared (answered 415), or null when it can.</summary>
    public static string? UnsupportedProblem(string? contentType, string? contentEncoding)
    {
        if (!string.IsNullOrWhiteSpace(contentEncoding)
            && contentEncoding.Split(',').Any(coding => !string.Equals(coding.Trim(), "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return "Content-Encoding must be identity (or absent): compressed bodies are not accepted.";
        }

        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !(mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                 || (mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                     && mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))))
        {
            return "Content-Type must be application/json.";
        }

        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        if (charset.HasValue && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return "Content-Type's charset must be utf-8 (JSON between systems is UTF-8, RFC 8259 §8.1).";
        }

        return null;
    }
}
