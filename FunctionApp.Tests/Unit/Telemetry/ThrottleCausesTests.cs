using System.Net;
using FrontFunctions.Telemetry;

namespace FrontFunctions.Tests.Unit.Telemetry;

/// <summary>A 429's cause as Front's headers tell it (remaining &gt; 0: burst; 0: the company's minute; none: unknown).</summary>
public sealed class ThrottleCausesTests
{
    [Theory]
    [InlineData("3", ThrottleCauses.Burst)]
    [InlineData("1", ThrottleCauses.Burst)]
    [InlineData("0", ThrottleCauses.CompanyLimit)]
    [InlineData("0.0", ThrottleCauses.CompanyLimit)]
    [InlineData("-1", ThrottleCauses.CompanyLimit)]
    [InlineData("NaN", ThrottleCauses.Unknown)]
    [InlineData("Infinity", ThrottleCauses.Unknown)]
    [InlineData("garbage", ThrottleCauses.Unknown)]
    [InlineData(null, ThrottleCauses.Unknown)]
    public void A_429_is_classified_by_x_ratelimit_remaining(string? remaining, string cause)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (remaining is not null)
        {
            response.Headers.TryAddWithoutValidation("x-ratelimit-remaining", remaining);
        }

        response.Headers.TryAddWithoutValidation("retry-after", "1");
        Assert.Equal(cause, ThrottleCauses.Of(response));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.NotFound)]
    public void Other_answers_have_no_cause_even_with_remaining_0(HttpStatusCode status)
    {
        using var response = new HttpResponseMessage(status);
        response.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "0");
        Assert.Null(ThrottleCauses.Of(response));
    }
}
