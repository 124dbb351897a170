namespace Postback.Tests.Links;

public sealed class TrackingLinkTests
{
    [Theory]
    [InlineData("https://t.example/a.ashx", "https://t.example/a.ashx?fobs=s1&fobs2=s%202")]
    [InlineData("https://t.example/a.ashx?foid=1&fot=9", "https://t.example/a.ashx?foid=1&fot=9&fobs=s1&fobs2=s%202")]
    [InlineData("https://t.example/a.ashx?", "https://t.example/a.ashx?fobs=s1&fobs2=s%202")]
    [InlineData("https://t.example/a.ashx?foid=1#offer", "https://t.example/a.ashx?foid=1&fobs=s1&fobs2=s%202#offer")]
    [InlineData("https://t.example/a.ashx#/spa?x=1", "https://t.example/a.ashx?fobs=s1&fobs2=s%202#/spa?x=1")]
    [InlineData("https://t.example/a.ashx?fobs=old&foid=1", "https://t.example/a.ashx?foid=1&fobs=s1&fobs2=s%202")]
    public void Adds_sub_ids_with_and_without_query_and_fragment(string link, string expected)
    {
        TrackingLink.AddSubIds(link, "s1", "s 2").Should().Be(expected);
    }

    [Fact]
    public void Values_are_encoded_so_they_cannot_add_parameters()
    {
        var link = TrackingLink.AddSubIds("https://t.example/a", "a&b=c#d", null, "", "\u00fc");

        link.Should().Be("https://t.example/a?fobs=a%26b%3Dc%23d&fobs4=%C3%BC");
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(link).Query);
        query["fobs"].Should().Be("a&b=c#d");
        query.AllKeys.Should().Equal("fobs", "fobs4");
    }

    [Fact]
    public void Parameter_names_are_configurable()
    {
        TrackingLink.AddSubIds("https://t.example/a?x=1", ["subid1", "subid2"], "a", "b").Should().Be("https://t.example/a?x=1&subid1=a&subid2=b");
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://t.example/")]
    [InlineData("not a link")]
    public void Refuses_what_is_not_an_absolute_http_link(string link)
    {
        FluentActions.Invoking(() => TrackingLink.AddSubIds(link, "a")).Should().Throw<ArgumentException>().WithMessage("*absolute http*");
    }

    [Fact]
    public void Refuses_more_sub_ids_than_names()
    {
        FluentActions.Invoking(() => TrackingLink.AddSubIds("https://t.example/", "1", "2", "3", "4", "5", "6")).Should().Throw<ArgumentException>().WithMessage("*6 sub-ids*5 parameter names*");
    }
}
