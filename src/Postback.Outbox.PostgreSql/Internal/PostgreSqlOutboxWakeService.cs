using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Postback.Internal;

/// <summary>The hosted service that LISTENs for new deliveries and wakes this node's outbox (<see cref="IPostbackOutbox.Wake"/>).</summary>
internal sealed class PostgreSqlOutboxWakeService(IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = services.GetRequiredService<PostgreSqlPostbackOutboxStore>();
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PostgreSqlPostbackOutboxOptions>>().Value;
        if (!options.ListenForNotifications || services.GetService<IPostbackOutbox>() is not { } outbox)
        {
            return Task.CompletedTask;
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Postback.Outbox.PostgreSql") ?? NullLogger.Instance;
        var listener = new PostgreSqlOutboxListener(
            store.DataSource, store.NotificationChannel, outbox.Wake, services.GetService<TimeProvider>() ?? TimeProvider.System, logger);
        return listener.RunAsync(stoppingToken);
    }
}
