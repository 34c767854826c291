using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text;
using FrontSimulator.Model;
using Microsoft.IdentityModel.Tokens;

namespace FrontSimulator.Auth;

/// <summary>Who made a Front API request: a channel (channel token) or the company (core API token).</summary>
internal sealed record ApiCaller(string? ChannelId)
{
    public bool IsChannel => ChannelId is not null;
}

/// <summary>The outcome of checking a bearer token: a caller, or why it was refused (answered 401).</summary>
internal readonly record struct TokenCheck(ApiCaller? Caller, string? Failure);

/// <summary>
/// Checks bearer tokens as Front does: the company API token, or a channel token — HS256 signed with the App secret of
/// the channel named by <c>sub</c>, <c>iss</c> = that channel's App UID, <c>exp</c> in the future and at most
/// <see cref="SimulatorOptions.MaxTokenLifetimeSeconds"/> ahead, a non-empty <c>jti</c>.
/// </summary>
internal sealed class ChannelTokenValidator(SimulatorStore store, SimulatorOptions options, TimeProvider time)
{
    private static readonly TimeSpan ExpRounding = TimeSpan.FromSeconds(1); // exp is whole seconds
    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };

    public TokenCheck Check(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Fail("missing bearer token");
        }

        var token = authorization[scheme.Length..].Trim();
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(options.CompanyApiToken)))
        {
            return new TokenCheck(new ApiCaller(null), null);
        }

        JwtSecurityToken unverified;
        try
        {
            unverified = _handler.ReadJwtToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            return Fail("malformed token");
        }

        var channel = store.FindChannel(unverified.Subject);
        if (channel is null)
        {
            return Fail("sub is not a known channel");
        }

        if (store.IsChannelDeleted(channel.ChannelId))
        {
            return Fail("the channel was deleted"); // how Front answers a removed channel's token is UNCONFIRMED: 401 here
        }

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = channel.AppUid,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,
            SignatureValidator = (raw, _) => VerifyHs256(raw, channel.AppSecret),
        };
        try
        {
            _handler.ValidateToken(token, parameters, out _);
        }
        catch (SecurityTokenExpiredException)
        {
            return Fail("token expired");
        }
        catch (SecurityTokenInvalidIssuerException)
        {
            return Fail("iss is not the channel's app uid");
        }
        catch (SecurityTokenNoExpirationException)
        {
            return Fail("exp missing");
        }
        catch (SecurityTokenInvalidAlgorithmException)
        {
            return Fail("alg must be HS256");
        }
        catch (SecurityTokenException)
        {
            return Fail("invalid signature");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            return Fail("malformed token");
        }

        var maxExp = time.GetUtcNow() + TimeSpan.FromSeconds(options.MaxTokenLifetimeSeconds) + ExpRounding;
        if (unverified.ValidTo > maxExp.UtcDateTime)
        {
            return Fail($"exp more than {options.MaxTokenLifetimeSeconds} s ahead");
        }

        if (string.IsNullOrWhiteSpace(unverified.Id))
        {
            return Fail("jti missing");
        }

        return new TokenCheck(new ApiCaller(channel.ChannelId), null);
    }

    private static TokenCheck Fail(string reason) => new(null, reason);

    private static JwtSecurityToken VerifyHs256(string raw, string secret)
    {
        var token = new JwtSecurityToken(raw);
        if (!string.Equals(token.Header.Alg, SecurityAlgorithms.HmacSha256, StringComparison.Ordinal))
        {
            throw new SecurityTokenInvalidAlgorithmException("alg must be HS256");
        }

        var parts = raw.Split('.');
        if (parts.Length != 3 || parts[2].Length == 0)
        {
            throw new SecurityTokenInvalidSignatureException("unsigned token");
        }

        byte[] given;
        try
        {
            given = Base64UrlEncoder.DecodeBytes(parts[2]);
        }
        catch (FormatException)
        {
            throw new SecurityTokenInvalidSignatureException("malformed signature");
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            throw new SecurityTokenInvalidSignatureException("signature mismatch");
        }

        return token;
    }
}
