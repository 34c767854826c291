using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace FrontSimulator.Auth;

/// <summary>
/// Mints channel tokens the way a partner app does for Front: HS256 JWT signed with the App secret,
/// <c>iss</c> = App UID, <c>sub</c> = channel id, a fresh <c>jti</c>, <c>exp</c> a few seconds ahead.
/// Built by hand (not with JwtSecurityTokenHandler) so any secret length works, as with Front.
/// </summary>
public static class ChannelTokens
{
    public static string Create(string appUid, string appSecret, string channelId, TimeSpan? lifetime = null, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var payload = new JsonObject
        {
            ["iss"] = appUid,
            ["sub"] = channelId,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromSeconds(10))).ToUnixTimeSeconds(),
        };
        return Sign(appSecret, payload);
    }

    /// <summary>Signs any claims as an HS256 JWT (header <c>{"alg":"HS256","typ":"JWT"}</c>).</summary>
    public static string Sign(string appSecret, JsonObject claims)
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(claims.ToJsonString());
        var signingInput = header + "." + body;
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }
}
