using System.Text;
using Microsoft.Data.Sqlite;

namespace Postback.Internal;

/// <summary>Turns a <see cref="PostbackOutboxFilter"/> into SQL, for the log's queries and for replays, which select alike.</summary>
internal static class SqliteFilter
{
    /// <summary>Builds the filter's WHERE clause (never empty) and adds its parameters.</summary>
    public static string Where(SqliteCommand command, PostbackOutboxFilter filter)
    {
        var where = new StringBuilder("1 = 1");
        if (filter.Id is { } id)
        {
            where.Append(" AND id = $fid");
            command.Parameters.AddWithValue("$fid", id);
        }

        if (filter.EndpointName is { } endpoint)
        {
            where.Append(" AND endpoint_name = $fendpoint");
            command.Parameters.AddWithValue("$fendpoint", endpoint);
        }

        if (filter.State is { } state)
        {
            where.Append(" AND state = $fstate");
            command.Parameters.AddWithValue("$fstate", (int)state);
        }

        if (filter.OrderNumber is { } order)
        {
            where.Append(" AND order_number = $forder");
            command.Parameters.AddWithValue("$forder", order);
        }

        if (filter.Since is { } since)
        {
            where.Append(" AND enqueued_at >= $fsince");
            command.Parameters.AddWithValue("$fsince", since.ToUnixTimeMilliseconds());
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND enqueued_at < $funtil");
            command.Parameters.AddWithValue("$funtil", until.ToUnixTimeMilliseconds());
        }

        return where.ToString();
    }
}
