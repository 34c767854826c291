using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace FrontFunctions.Tests.Unit.Front;

public sealed class ChannelTokenIssuerTests
{
    private const string Secret = "short-secret";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private ChannelTokenIssuer Issuer(TimeSpan? lifetime = null) => new(
        Options.Create(new FrontOptions { AppUid = "app_uid_1", AppSecret = Secret, TokenLifetime = lifetime ?? TimeSpan.FromSeconds(10) }),
        _time);

    [Fact]
    public void Token_carries_issuer_subject_and_a_short_expiry()
    {
        var token = new JwtSecurityTokenHandler().ReadJwtToken(Issuer().Issue("cha_123"));

        Assert.Equal("HS256", token.Header.Alg);
        Assert.Equal("JWT", token.Header.Typ);
        Assert.Equal("app_uid_1", token.Issuer);
        Assert.Equal("cha_123", token.Subject);
        Assert.False(string.IsNullOrEmpty(token.Id));
        var iat = long.Parse(token.Payload[JwtRegisteredClaimNames.Iat].ToString()!, System.Globalization.CultureInfo.InvariantCulture);
        var exp = token.Payload.Expiration!.Value;
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), iat);
        Assert.Equal((_time.GetUtcNow() + TimeSpan.FromSeconds(10)).ToUnixTimeSeconds(), exp);
        Assert.InRange(exp - iat, 1, 30);
    }

    [Fact]
    public void Lifetime_never_exceeds_30_seconds()
    {
        var token = new JwtSecurityTokenHandler().ReadJwtToken(Issuer(TimeSpan.FromMinutes(5)).Issue("cha_1"));

        Assert.True(token.Payload.Expiration!.Value - _time.GetUtcNow().ToUnixTimeSeconds() <= 30);
    }

    [Fact]
    public void Every_token_has_a_fresh_jti()
    {
        var issuer = Issuer();
        var ids = Enumerable.Range(0, 200).Select(_ => new JwtSecurityTokenHandler().ReadJwtToken(issuer.Issue("cha_1")).Id).ToHashSet();

        Assert.Equal(200, ids.Count);
    }

    [Fact]
    public void Signature_is_HMAC_SHA256_with_exactly_the_secret_bytes()
    {
        var token = Issuer().Issue("cha_1");
        var parts = token.Split('.');

        var expected = Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));
        Assert.Equal(expected, parts[2]);
    }

    [Fact]
    public void A_standard_validator_accepts_the_token()
    {
        // The library refuses HS256 keys under 256 bits; HMAC zero-pads keys to its block size, so the zero-padded secret
        // is the same HMAC key and verifies what Front verifies with the bare secret.
        var padded = new byte[32];
        Encoding.UTF8.GetBytes(Secret).CopyTo(padded, 0);
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = "app_uid_1",
            ValidateAudience = false,
            IssuerSigningKey = new SymmetricSecurityKey(padded),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        };

        var principal = new JwtSecurityTokenHandler().ValidateToken(new ChannelTokenIssuer(
            Options.Create(new FrontOptions { AppUid = "app_uid_1", AppSecret = Secret }), TimeProvider.System).Issue("cha_9"), parameters, out _);

        Assert.Equal("cha_9", principal.FindFirst("sub")?.Value ?? principal.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value);
    }

    [Fact]
    public void A_tampered_signature_does_not_verify()
    {
        var token = Issuer().Issue("cha_1");
        var parts = token.Split('.');
        var other = Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret + "x"), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));

        Assert.NotEqual(other, parts[2]);
    }
}
