using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Postback.Tests.Support;

namespace Postback.Tests;

public sealed class RegistrationTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task UsePostgreSql_registers_the_store_and_the_wake_service_once()
    {
        var services = new ServiceCollection();
        var builder = new Builder(services);
        builder.UsePostgreSql(ConnectionString, o => o.Schema = PostgreSqlServer.NewSchema("di"));
        builder.UsePostgreSql(ConnectionString);
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IPostbackOutboxStore>();
        store.Should().BeSameAs(provider.GetRequiredService<PostgreSqlPostbackOutboxStore>());
        ((PostgreSqlPostbackOutboxStore)store).Clock.Should().Be(PostgreSqlOutboxClock.Database);
        provider.GetServices<IHostedService>().Should().ContainSingle();
        await store.InitializeAsync();
        (await store.EnqueueAsync([Entry(1)])).Should().ContainSingle();
    }

    [Fact]
    public void Bad_options_fail_at_start_up_with_the_value()
    {
        var services = new ServiceCollection();
        new Builder(services).UsePostgreSql("Host=127.0.0.1", o => o.Schema = "Bad-Name");
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<PostgreSqlPostbackOutboxOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().WithMessage("*Bad-Name*");
    }

    private sealed record Builder(IServiceCollection Services) : IPostbackOutboxBuilder;
}
