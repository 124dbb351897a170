using Microsoft.Extensions.Logging.Abstractions;
using Postback.Internal;
using Postback.Tests.Support;

namespace Postback.Tests;

public sealed class ListenTests(PostgreSqlServer server) : PostgreSqlTestBase(server)
{
    [Fact]
    public async Task An_enqueue_wakes_the_listener_and_a_terminated_listener_reconnects_and_wakes_again()
    {
        var store = await CreateStoreAsync();
        var woken = 0;
        using var stop = new CancellationTokenSource();
        var listener = new PostgreSqlOutboxListener(DataSource, store.NotificationChannel, () => Interlocked.Increment(ref woken), TimeProvider.System, NullLogger.Instance);
        var listening = listener.RunAsync(stop.Token);
        await CallerTransactionTests.WaitUntilAsync(() => listener.BackendPid != 0);
        var afterConnect = Volatile.Read(ref woken);

        await store.EnqueueAsync([Entry(1)]);
        await CallerTransactionTests.WaitUntilAsync(() => Volatile.Read(ref woken) > afterConnect);

        // Kill the listening backend, as a failover or an admin would.
        var pid = listener.BackendPid;
        (await ScalarAsync($"SELECT pg_terminate_backend({pid})::int")).Should().Be(1);

        // Meanwhile the work is still there for polling: a claim finds it without any notification.
        (await store.ClaimAsync(Claim("poller"))).Should().ContainSingle();

        await CallerTransactionTests.WaitUntilAsync(() => listener.Connections >= 2 && listener.BackendPid != 0 && listener.BackendPid != pid);
        var afterReconnect = Volatile.Read(ref woken);
        await store.EnqueueAsync([Entry(2)]);
        await CallerTransactionTests.WaitUntilAsync(() => Volatile.Read(ref woken) > afterReconnect);
        (await store.ClaimAsync(Claim("listener"))).Should().ContainSingle();

        await stop.CancelAsync();
        await listening;
        listener.BackendPid.Should().Be(0);
    }
}
