using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Postback.Tests.Support;

namespace Postback.Tests.Delivery;

/// <summary>IPostbackSender against a real Kestrel receiver on 127.0.0.1.</summary>
public sealed class SenderIntegrationTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private static readonly PostbackTemplateOptions Open = new() { Syntax = MacroSyntax.Braces, Catalog = MacroCatalog.Open };

    // Space, the URL and form delimiters, a plus, a percent, a slash and non-ASCII (Latin, CJK, an emoji).
    private const string AwkwardSubId = "pub 7781&role=admin#frag+plus%25/x?y=\u00fc\u20ac\u65e5\u672c\U0001F600";

    private static PostbackEndpoint Endpoint(string name, string url, string? successBodyContains = null, bool enabled = true) =>
        new(name, PostbackTemplate.Parse(url), enabled: enabled, successBodyContains: successBodyContains);

    private static PostbackTransaction Sale(string subId = "pub-1", string order = "ORD-1") => new()
    {
        SubId1 = subId,
        OrderNumber = order,
        SaleAmount = 129.95m,
        CommissionAmount = 12.99m,
    };

    private static IPostbackSender Sender(ServiceProvider services) => services.GetRequiredService<IPostbackSender>();

    [Fact]
    public async Task Get_is_delivered_and_ASP_NET_Core_decodes_every_query_value_to_the_original()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = Endpoint("acme", receiver.BaseUrl + "/pixel.track?sid=#fobs#&orderid=#on#&amount=#sa#&commission=#ca#&date=#et#");
        var transaction = Sale(AwkwardSubId, "ORD 2026/000123");
        transaction.EventTime = new DateTimeOffset(2026, 11, 26, 13, 45, 0, TimeSpan.FromHours(-5));

        var result = await Sender(services).SendAsync(endpoint, transaction);

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.StatusCode.Should().Be(200);
        result.Attempts.Should().Be(1);
        result.ResponseBody.Should().Be("ok");
        result.Host.Should().Be("127.0.0.1");
        result.EndpointName.Should().Be("acme");
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Method.Should().Be("GET");
        request.Path.Should().Be("/pixel.track");
        request.Query.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["sid"] = AwkwardSubId,
            ["orderid"] = "ORD 2026/000123",
            ["amount"] = "129.95",
            ["commission"] = "12.99",
            ["date"] = "2026-11-26T18:45:00Z",
        });
        request.Body.Should().BeEmpty();
    }

    [Fact]
    public async Task Post_form_body_is_decoded_by_Request_Form()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = new PostbackEndpoint(
            "form",
            PostbackTemplate.Parse(receiver.BaseUrl + "/form?on=#on#"),
            PostbackHttpMethod.Post,
            PostbackTemplate.Parse("sid=#fobs#&amount=#sa#&note=fixed+text", new() { Kind = PostbackTemplateKind.FormBody }));

        var result = await Sender(services).SendAsync(endpoint, Sale(AwkwardSubId));

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Method.Should().Be("POST");
        request.ContentType.Should().StartWith("application/x-www-form-urlencoded");
        request.Query.Should().Equal(new Dictionary<string, string> { ["on"] = "ORD-1" });
        request.Form.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["sid"] = AwkwardSubId,
            ["amount"] = "129.95",
            ["note"] = "fixed text",
        });
    }

    [Fact]
    public async Task Post_json_body_parses_with_System_Text_Json_to_the_original_values()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        const string tricky = "q\"uote \\ back/slash\r\n\ttab \u0001 \u2028 \u00fc\U0001F600 </script>";
        var endpoint = new PostbackEndpoint(
            "json",
            PostbackTemplate.Parse(receiver.BaseUrl + "/json"),
            PostbackHttpMethod.Post,
            PostbackTemplate.Parse("{\"sid\": \"#fobs#\", \"amount\": #sa#, \"missing\": #fobs2#, \"order\": #on#}", new() { Kind = PostbackTemplateKind.JsonBody }));

        var result = await Sender(services).SendAsync(endpoint, Sale(tricky, "ORD-9"));

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.ContentType.Should().StartWith("application/json");
        var json = request.Json!.Value;
        json.GetProperty("sid").GetString().Should().Be(tricky);
        json.GetProperty("amount").GetDecimal().Should().Be(129.95m);
        json.GetProperty("missing").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("order").GetString().Should().Be("ORD-9");
    }

    [Fact]
    public async Task Retries_503_until_200_and_every_attempt_carries_the_same_idempotency_key()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Enqueue(KestrelReceiver.Respond(503), KestrelReceiver.Respond(503));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 3);
        var endpoint = Endpoint("retry", receiver.BaseUrl + "/pb?sid=#fobs#&on=#on#");

        var result = await Sender(services).SendAsync(endpoint, Sale("a", "ORD-1"));

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.Attempts.Should().Be(3);
        result.StatusCode.Should().Be(200);
        result.IdempotencyKey.Should().NotBeNullOrWhiteSpace();
        receiver.HitCount.Should().Be(3);
        receiver.Requests.Select(r => r.Header("Idempotency-Key")).Should().AllBe(result.IdempotencyKey);

        var again = await Sender(services).SendAsync(endpoint, Sale("a", "ORD-1"));
        var other = await Sender(services).SendAsync(endpoint, Sale("a", "ORD-2"));

        again.Outcome.Should().Be(PostbackOutcome.Delivered);
        again.Attempts.Should().Be(1);
        again.IdempotencyKey.Should().Be(result.IdempotencyKey, "re-sending the same transaction must let the partner deduplicate");
        other.IdempotencyKey.Should().NotBe(result.IdempotencyKey);
        receiver.Requests[3].Header("Idempotency-Key").Should().Be(result.IdempotencyKey);
        receiver.Requests[4].Header("Idempotency-Key").Should().Be(other.IdempotencyKey);
    }

    [Fact]
    public async Task A_retried_POST_sends_the_same_body_and_key_on_every_attempt()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Enqueue(KestrelReceiver.Respond(502), KestrelReceiver.Respond(408));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 2);
        var endpoint = new PostbackEndpoint(
            "post-retry",
            PostbackTemplate.Parse(receiver.BaseUrl + "/pb"),
            PostbackHttpMethod.Post,
            PostbackTemplate.Parse("sid=#fobs#&on=#on#", new() { Kind = PostbackTemplateKind.FormBody }));

        var result = await Sender(services).SendAsync(endpoint, Sale(AwkwardSubId, "ORD-5"));

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.Attempts.Should().Be(3);
        receiver.Requests.Should().HaveCount(3).And.AllSatisfy(r =>
        {
            r.Method.Should().Be("POST");
            r.Form.Should().BeEquivalentTo(new Dictionary<string, string> { ["sid"] = AwkwardSubId, ["on"] = "ORD-5" });
            r.Header("Idempotency-Key").Should().Be(result.IdempotencyKey);
        });
    }

    [Fact]
    public async Task A_short_Retry_After_is_honoured()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Enqueue(KestrelReceiver.Respond(503, null, ("Retry-After", "1")));
        await using var services = PostbackTestHost.BuildServices();

        var result = await Sender(services).SendAsync(Endpoint("ra", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.Attempts.Should().Be(2);
        result.RetryAfter.Should().BeNull();
        receiver.HitCount.Should().Be(2);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_MaxRetryAfter_fails_at_once_and_says_when_to_retry()
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(429, "slow down", ("Retry-After", "3600")));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAfter = TimeSpan.FromSeconds(10));

        var result = await Sender(services).SendAsync(Endpoint("ra", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.RetryAfterTooLong);
        result.RetryAfter.Should().Be(TimeSpan.FromHours(1));
        result.StatusCode.Should().Be(429);
        result.Attempts.Should().Be(1);
        receiver.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task A_redirect_fails_and_its_target_is_never_contacted()
    {
        await using var target = await KestrelReceiver.StartAsync();
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(302, null, ("Location", target.BaseUrl + "/elsewhere")));
        receiver.Enqueue(KestrelReceiver.Respond(301, null, ("Location", "/moved")));
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = Endpoint("redirect", receiver.BaseUrl + "/pb?sid=#fobs#");

        var sameHost = await Sender(services).SendAsync(endpoint, Sale());
        var otherHost = await Sender(services).SendAsync(endpoint, Sale());

        foreach (var result in new[] { sameHost, otherHost })
        {
            result.Outcome.Should().Be(PostbackOutcome.Failed);
            result.ErrorType.Should().Be(PostbackErrorTypes.Redirect);
            result.Attempts.Should().Be(1, "a redirect is not retried");
        }

        sameHost.StatusCode.Should().Be(301);
        otherHost.StatusCode.Should().Be(302);
        receiver.HitsTo("/pb").Should().Be(2);
        receiver.HitsTo("/moved").Should().Be(0);
        target.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_times_out_on_every_attempt()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Handle(receiver.NeverAnswer());
        await using var services = PostbackTestHost.BuildServices(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.ConnectTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetryAttempts = 1;
        });

        var result = await Sender(services).SendAsync(Endpoint("slow", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.Timeout);
        result.Attempts.Should().Be(2);
        result.StatusCode.Should().BeNull();
        receiver.HitCount.Should().BeLessThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_4xx_is_rejected_without_a_retry()
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(400, "bad sid"));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 3);

        var result = await Sender(services).SendAsync(Endpoint("bad", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Rejected);
        result.ErrorType.Should().Be(PostbackErrorTypes.HttpError);
        result.StatusCode.Should().Be(400);
        result.Attempts.Should().Be(1);
        result.ResponseBody.Should().Be("bad sid");
        receiver.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task A_5xx_on_every_attempt_fails_after_MaxRetryAttempts_plus_one_attempts()
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(500, "down"));
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 2);

        var result = await Sender(services).SendAsync(Endpoint("down", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.HttpError);
        result.StatusCode.Should().Be(500);
        result.Attempts.Should().Be(3);
        result.ResponseBody.Should().Be("down");
        receiver.HitCount.Should().Be(3);
    }

    [Fact]
    public async Task The_success_check_rejects_a_2xx_body_without_the_expected_text()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Enqueue(KestrelReceiver.Respond(200, "success=false&reason=duplicate"), KestrelReceiver.Respond(200, "status=1&success=true"));
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = Endpoint("checked", receiver.BaseUrl + "/pb?sid=#fobs#", successBodyContains: "success=true");

        var refused = await Sender(services).SendAsync(endpoint, Sale());
        var accepted = await Sender(services).SendAsync(endpoint, Sale());

        refused.Outcome.Should().Be(PostbackOutcome.Rejected);
        refused.ErrorType.Should().Be(PostbackErrorTypes.SuccessCheckFailed);
        refused.StatusCode.Should().Be(200);
        refused.Attempts.Should().Be(1);
        refused.ResponseBody.Should().Be("success=false&reason=duplicate");
        accepted.Outcome.Should().Be(PostbackOutcome.Delivered, accepted.ToString());
        receiver.HitCount.Should().Be(2);
    }

    [Fact]
    public async Task With_default_breaker_settings_one_failed_postback_does_not_trip_it_and_two_do()
    {
        // Backs the README: 8 attempts in the window at 50 % failures open the circuit; one postback is 1 + 3 attempts.
        await using var failing = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(500));
        await using var services = PostbackTestHost.BuildServices();
        var sender = Sender(services);
        var endpoint = Endpoint("failing", failing.BaseUrl + "/pb?sid=#fobs#");

        var first = await sender.SendAsync(endpoint, Sale());
        var second = await sender.SendAsync(endpoint, Sale());
        var hitsAfterTwo = failing.HitCount;
        var third = await sender.SendAsync(endpoint, Sale());

        first.ErrorType.Should().Be(PostbackErrorTypes.HttpError, first.ToString());
        first.Attempts.Should().Be(4);
        second.ErrorType.Should().Be(PostbackErrorTypes.HttpError, "after the first postback's 4 attempts the breaker has not reached 8");
        second.Attempts.Should().Be(4);
        hitsAfterTwo.Should().Be(8);
        third.ErrorType.Should().Be(PostbackErrorTypes.CircuitOpen, "8 failed attempts at 100 % open the circuit");
        third.Attempts.Should().Be(0);
        failing.HitCount.Should().Be(8);
    }

    [Fact]
    public async Task The_circuit_opens_per_host_and_port_and_an_open_circuit_sends_nothing()
    {
        await using var failing = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(500));
        await using var healthy = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices(o =>
        {
            o.MaxRetryAttempts = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.FailureRatio = 0.5;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });
        var sender = Sender(services);
        var failingEndpoint = Endpoint("failing", failing.BaseUrl + "/pb?sid=#fobs#");

        PostbackResult? open = null;
        var hitsBefore = 0;
        for (var i = 0; i < 6 && open is null; i++)
        {
            hitsBefore = failing.HitCount;
            var result = await sender.SendAsync(failingEndpoint, Sale());
            if (result.ErrorType == PostbackErrorTypes.CircuitOpen)
            {
                open = result;
            }
            else
            {
                result.ErrorType.Should().Be(PostbackErrorTypes.HttpError);
            }
        }

        open.Should().NotBeNull("two failures of two attempts reach MinimumThroughput 2 at a ratio over 0.5");
        open!.Outcome.Should().Be(PostbackOutcome.Failed);
        open.Attempts.Should().Be(0);
        failing.HitCount.Should().Be(hitsBefore, "an open circuit sends nothing");
        hitsBefore.Should().Be(2);

        var other = await sender.SendAsync(Endpoint("healthy", healthy.BaseUrl + "/pb?sid=#fobs#"), Sale());
        other.Outcome.Should().Be(PostbackOutcome.Delivered, "the breaker is per scheme, host and port");
        healthy.HitCount.Should().Be(1);
    }

    [Fact]
    public async Task A_circuit_that_opens_during_the_retries_ends_the_send_without_further_attempts()
    {
        await using var receiver = await KestrelReceiver.StartAsync(KestrelReceiver.Respond(500));
        await using var services = PostbackTestHost.BuildServices(o =>
        {
            o.MaxRetryAttempts = 3;
            o.RetryDelay = TimeSpan.FromMilliseconds(10); // the test is about the breaker, not the backoff: less time for a slow machine to stretch
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.FailureRatio = 0.5;
        });

        var result = await Sender(services).SendAsync(Endpoint("tripping", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.CircuitOpen);
        result.Attempts.Should().Be(2, "the breaker opened after the second failed attempt and the retry stopped there");
        receiver.HitCount.Should().Be(2);
    }

    [Fact]
    public async Task Cancelling_before_the_send_throws()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var act = async () => await Sender(services).SendAsync(Endpoint("c", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale(), cancelled.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancelling_during_the_send_throws_rather_than_returning_a_result()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        receiver.Handle(receiver.NeverAnswer());
        await using var services = PostbackTestHost.BuildServices();
        using var cts = new CancellationTokenSource();

        var send = Sender(services).SendAsync(Endpoint("c", receiver.BaseUrl + "/pb?sid=#fobs#"), Sale(), cts.Token).AsTask();
        await receiver.WaitForHitsAsync(1, Generous);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => send).Should().ThrowAsync<OperationCanceledException>();
        receiver.HitCount.Should().Be(1);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/pb?x=1")]
    [InlineData("/pb?x=1")]
    [InlineData("127.0.0.1/pb")]
    [InlineData("")]
    public async Task A_request_whose_URL_is_not_absolute_http_is_invalid_and_nothing_is_sent(string url)
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();

        var result = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = url });

        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorType.Should().Be(PostbackErrorTypes.InvalidRequest);
        result.Attempts.Should().Be(0);
        receiver.HitCount.Should().Be(0);
    }

    [Theory]
    [InlineData("X-Token", "abc\r\nX-Injected: 1")]
    [InlineData("X-Token", "abc\nX-Injected: 1")]
    [InlineData("X-Token", "abc\0")]
    [InlineData("X Token", "abc")]
    [InlineData("Host", "evil.example")]
    [InlineData("Content-Length", "0")]
    [InlineData("Idempotency-Key", "forged")]
    public async Task A_request_with_a_bad_or_reserved_header_is_invalid_and_nothing_is_sent(string name, string value)
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var request = new PostbackRequest
        {
            EndpointName = "raw",
            Url = receiver.BaseUrl + "/pb?x=1",
            Headers = new Dictionary<string, string> { [name] = value },
        };

        var result = await Sender(services).SendAsync(request);

        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorType.Should().Be(PostbackErrorTypes.InvalidRequest);
        result.Attempts.Should().Be(0);
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_valid_PostbackRequest_is_sent_with_its_body_headers_and_key()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var request = new PostbackRequest
        {
            EndpointName = "raw",
            Url = receiver.BaseUrl + "/raw?a=1",
            Method = PostbackHttpMethod.Post,
            Body = "{\"a\":1}",
            ContentType = "application/json",
            Headers = new Dictionary<string, string> { ["X-Partner"] = "p1" },
            IdempotencyKey = "my-key-1",
        };

        var result = await Sender(services).SendAsync(request);
        var derived = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = receiver.BaseUrl + "/raw?a=1" });
        var derivedAgain = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = receiver.BaseUrl + "/raw?a=1" });

        result.Outcome.Should().Be(PostbackOutcome.Delivered, result.ToString());
        result.IdempotencyKey.Should().Be("my-key-1");
        var received = receiver.Requests[0];
        received.Method.Should().Be("POST");
        received.Json!.Value.GetProperty("a").GetInt32().Should().Be(1);
        received.Header("X-Partner").Should().Be("p1");
        received.Header("Idempotency-Key").Should().Be("my-key-1");
        derived.IdempotencyKey.Should().NotBeNullOrEmpty().And.Be(derivedAgain.IdempotencyKey).And.NotBe("my-key-1");
        receiver.Requests[1].Header("Idempotency-Key").Should().Be(derived.IdempotencyKey);
    }

    [Fact]
    public async Task A_PostbackRequest_body_without_POST_or_content_type_is_invalid()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();

        var onGet = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = receiver.BaseUrl + "/pb", Body = "a=1", ContentType = "application/x-www-form-urlencoded" });
        var noType = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = receiver.BaseUrl + "/pb", Method = PostbackHttpMethod.Post, Body = "a=1" });
        var tooLong = await Sender(services).SendAsync(new PostbackRequest { EndpointName = "raw", Url = receiver.BaseUrl + "/pb?x=" + new string('a', 9000) });

        onGet.Outcome.Should().Be(PostbackOutcome.Invalid);
        noType.Outcome.Should().Be(PostbackOutcome.Invalid);
        tooLong.Outcome.Should().Be(PostbackOutcome.Invalid);
        tooLong.ErrorMessage.Should().Contain("MaxUrlLength").And.NotContain("aaaa");
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_disabled_endpoint_is_skipped()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();

        var result = await Sender(services).SendAsync(Endpoint("off", receiver.BaseUrl + "/pb?sid=#fobs#", enabled: false), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Skipped);
        result.Attempts.Should().Be(0);
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_host_value_that_cannot_be_placed_is_a_render_error_and_nothing_is_sent()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = new PostbackEndpoint("tracker", PostbackTemplate.Parse("http://{domain}:" + receiver.Port + "/pb?cid={clickid}", Open));
        var good = new PostbackTransaction();
        good.Extra["domain"] = "127.0.0.1";
        good.Extra["clickid"] = "c1";
        var bad = new PostbackTransaction();
        bad.Extra["domain"] = "127.0.0.1/evil?x=";
        bad.Extra["clickid"] = "c2";

        var invalid = await Sender(services).SendAsync(endpoint, bad);

        invalid.Outcome.Should().Be(PostbackOutcome.Invalid);
        invalid.ErrorType.Should().Be(PostbackErrorTypes.RenderError);
        invalid.Attempts.Should().Be(0);
        invalid.ErrorMessage.Should().Contain("domain").And.NotContain("evil");
        receiver.HitCount.Should().Be(0);

        var delivered = await Sender(services).SendAsync(endpoint, good);
        delivered.Outcome.Should().Be(PostbackOutcome.Delivered, "the same endpoint works with a valid host value");
        receiver.Requests.Should().ContainSingle().Which.Query["cid"].Should().Be("c1");
    }

    [Fact]
    public async Task A_body_render_error_sends_nothing()
    {
        await using var receiver = await KestrelReceiver.StartAsync();
        await using var services = PostbackTestHost.BuildServices();
        var endpoint = new PostbackEndpoint(
            "strict-body",
            PostbackTemplate.Parse(receiver.BaseUrl + "/pb?on=#on#"),
            PostbackHttpMethod.Post,
            PostbackTemplate.Parse("sid=#fobs#", new() { Kind = PostbackTemplateKind.FormBody, MissingValues = MissingValuePolicy.Fail }));

        var result = await Sender(services).SendAsync(endpoint, new PostbackTransaction { OrderNumber = "ORD-1" });

        result.Outcome.Should().Be(PostbackOutcome.Invalid);
        result.ErrorType.Should().Be(PostbackErrorTypes.RenderError);
        receiver.HitCount.Should().Be(0);
    }

    [Fact]
    public async Task A_refused_connection_is_a_connection_error_after_the_retries()
    {
        // A socket bound to 127.0.0.1 that never listens: the port stays ours, and a connection to it is refused.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)bound.LocalEndPoint!).Port;
        await using var services = PostbackTestHost.BuildServices(o => o.MaxRetryAttempts = 1);

        var result = await Sender(services).SendAsync(Endpoint("gone", $"http://127.0.0.1:{port}/pb?sid=#fobs#"), Sale());

        result.Outcome.Should().Be(PostbackOutcome.Failed);
        result.ErrorType.Should().Be(PostbackErrorTypes.ConnectionError);
        result.Attempts.Should().Be(2);
        result.StatusCode.Should().BeNull();
    }
}
