using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace FrontFunctions.Front;

/// <summary>
/// Issues the channel token Front expects on Channel API calls (docs/front-channel-api.md, "The channel token"):
/// header <c>{"alg":"HS256","typ":"JWT"}</c>, claims <c>iss</c> = App UID, <c>sub</c> = channel id, a random <c>jti</c>,
/// <c>iat</c> and <c>exp</c> = now + <c>Front:TokenLifetime</c> (≤ 30 s). One token per request.
/// </summary>
/// <remarks>
/// The header and payload are built with System.IdentityModel.Tokens.Jwt, but the signature is computed here with
/// HMAC-SHA256 over exactly the App secret's UTF-8 bytes: the library refuses HS256 keys shorter than 256 bits, and
/// Front verifies with the secret as it is, whatever its length. (Zero-padding a short key would give the same HMAC,
/// since HMAC pads keys with zeros to the block size, which is why a padded key verifies these tokens in the tests.)
/// </remarks>
public sealed class ChannelTokenIssuer
{
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(30);
    private readonly byte[] _key;
    private readonly string _appUid;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public ChannelTokenIssuer(IOptions<FrontOptions> options, TimeProvider time)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.AppSecret))
        {
            throw new InvalidOperationException("Front__AppSecret is not set: channel tokens cannot be signed.");
        }

        _key = Encoding.UTF8.GetBytes(o.AppSecret);
        _appUid = o.AppUid;
        _lifetime = o.TokenLifetime <= TimeSpan.Zero ? TimeSpan.FromSeconds(10) : (o.TokenLifetime > MaxLifetime ? MaxLifetime : o.TokenLifetime);
        _time = time;
    }

    /// <summary>A fresh token for calls about <paramref name="channelId"/>'s messages and conversations.</summary>
    public string Issue(string channelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(channelId);
        var now = _time.GetUtcNow();
        var header = new JwtHeader { [JwtHeaderParameterNames.Alg] = SecurityAlgorithms.HmacSha256 };
        header[JwtHeaderParameterNames.Typ] = "JWT";
        var payload = new JwtPayload
        {
            [JwtRegisteredClaimNames.Iss] = _appUid,
            [JwtRegisteredClaimNames.Sub] = channelId,
            [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            [JwtRegisteredClaimNames.Iat] = now.ToUnixTimeSeconds(),
            // Rounded down so the token never lives longer than the configured lifetime.
            [JwtRegisteredClaimNames.Exp] = (now + _lifetime).ToUnixTimeSeconds(),
        };

        var signingInput = header.Base64UrlEncode() + "." + payload.Base64UrlEncode();
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }
}
