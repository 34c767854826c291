using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FrontSimulator.Tests.Infrastructure;

/// <summary>Builds JWTs by hand (independently of the simulator's code), so each claim can be broken on purpose.</summary>
internal static class TestTokens
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Claims of a valid channel token (fresh jti, exp 10 s ahead) unless told otherwise.</summary>
    public static JsonObject Claims(string iss, string sub, long? exp = null, bool includeJti = true, string? jti = null)
    {
        var claims = new JsonObject { ["iss"] = iss, ["sub"] = sub, ["exp"] = exp ?? Now + 10 };
        if (includeJti)
        {
            claims["jti"] = jti ?? Guid.NewGuid().ToString("N");
        }

        return claims;
    }

    public static string Sign(string secret, JsonObject claims, string alg = "HS256")
    {
        var header = Base64Url(Encoding.UTF8.GetBytes(new JsonObject { ["typ"] = "JWT", ["alg"] = alg }.ToJsonString()));
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var input = header + "." + payload;
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(input));
        return input + "." + Base64Url(signature);
    }

    /// <summary>An <c>alg: none</c> token: header and payload, empty signature.</summary>
    public static string Unsigned(JsonObject claims)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("""{"typ":"JWT","alg":"none"}"""));
        return header + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString())) + ".";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
