using FrontFunctions.IdMap;

namespace FrontFunctions.Tests.Unit.IdMap;

public sealed class TableKeyEncodingTests
{
    public static TheoryData<string> HostileIds() => new()
    {
        "",
        "plain-id_1.2",
        "a/b\\c#d?e",
        "/",
        "\\\\server\\share",
        "#?#?",
        "100%",
        "%2F encoded looking %41",
        "~tilde~7E~",
        "it's \"quoted\"",
        "spaces  and\ttabs\r\nnewlines",
        "\u0000\u0001\u001F\u007F\u0080\u009F",
        "emoji 😀👩‍👩‍👧 and ✓ and 中文 and العربية",
        "~b not base64",
        "~h not a hash",
        "~u0041 not a surrogate escape",
        new string('/', 200),
        new string('é', 200),
        string.Concat(Enumerable.Repeat("😀", 100)),
        string.Concat(Enumerable.Repeat("a/#?\\%", 34))[..200],
        "lone \uD800 high and \uDC00 low surrogates",
        "\uFFFE\uFFFF noncharacters",
    };

    [Theory]
    [MemberData(nameof(HostileIds))]
    public void Hostile_ids_round_trip_without_forbidden_characters(string id)
    {
        var encoded = TableKeyEncoding.Encode(id);

        Assert.False(TableKeyEncoding.HasForbiddenKeyChar(encoded), $"forbidden char in {encoded}");
        Assert.DoesNotContain('%', encoded);
        Assert.DoesNotContain('\'', encoded);
        Assert.True(encoded.Length <= TableKeyEncoding.MaxEncodedLength);
        Assert.True(TableKeyEncoding.TryDecode(encoded, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void Every_character_up_to_U00A0_round_trips_alone_and_is_never_forbidden()
    {
        for (var c = 0; c <= 0xA0; c++)
        {
            var id = "x" + (char)c + "y";
            var encoded = TableKeyEncoding.Encode(id);
            Assert.False(TableKeyEncoding.HasForbiddenKeyChar(encoded), $"U+{c:X4}");
            Assert.True(TableKeyEncoding.TryDecode(encoded, out var decoded));
            Assert.Equal(id, decoded);
        }
    }

    [Fact]
    public void Random_hostile_strings_round_trip_and_never_collide()
    {
        var alphabet = "ab/\\#?%~' \t\n\u0000\u001F\u007F\u0085\u009Fé中😀".ToCharArray();
        var random = new Random(20261125);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 2_000; i++)
        {
            var length = random.Next(0, 201);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var id = new string(chars);
            var encoded = TableKeyEncoding.Encode(id);
            Assert.False(TableKeyEncoding.HasForbiddenKeyChar(encoded));
            Assert.True(encoded.Length <= TableKeyEncoding.MaxEncodedLength);
            if (TableKeyEncoding.TryDecode(encoded, out var decoded))
            {
                Assert.Equal(id, decoded);
            }
            else
            {
                Assert.StartsWith("~h", encoded, StringComparison.Ordinal);
            }

            if (seen.TryGetValue(encoded, out var other))
            {
                Assert.Equal(other, id); // same key only for the same id
            }

            seen[encoded] = id;
        }
    }

    [Fact]
    public void Ids_too_long_to_escape_use_base64url_and_still_round_trip()
    {
        var id = new string('/', 200); // escaped: 600 chars
        var encoded = TableKeyEncoding.Encode(id);

        Assert.StartsWith("~b", encoded, StringComparison.Ordinal);
        Assert.True(TableKeyEncoding.TryDecode(encoded, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void Ids_fitting_neither_form_get_a_distinct_digest_key()
    {
        var a = new string('\u0085', 200);
        var b = new string('\u0085', 199) + "\u0086";

        var ea = TableKeyEncoding.Encode(a);
        var eb = TableKeyEncoding.Encode(b);

        Assert.StartsWith("~h", ea, StringComparison.Ordinal);
        Assert.NotEqual(ea, eb);
        Assert.False(TableKeyEncoding.TryDecode(ea, out _));
        Assert.False(TableKeyEncoding.HasForbiddenKeyChar(ea));
    }

    [Fact]
    public void Readable_ids_stay_readable()
    {
        Assert.Equal("msg_1a2b", TableKeyEncoding.Encode("msg_1a2b"));
        Assert.Equal("a~2Fb", TableKeyEncoding.Encode("a/b"));
    }
}
