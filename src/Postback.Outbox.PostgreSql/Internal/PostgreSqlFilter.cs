using System;
using System.Text;
using Npgsql;

namespace Postback.Internal;

/// <summary>Turns a <see cref="PostbackOutboxFilter"/> into SQL, for the log's queries and for replays, which select alike.</summary>
internal static class PostgreSqlFilter
{
    /// <summary>Builds the filter's WHERE clause (never empty, columns unqualified) and adds its parameters.</summary>
    public static string Where(NpgsqlParameterCollection parameters, PostbackOutboxFilter filter)
    {
        var where = new StringBuilder("true");
        if (filter.Id is { } id)
        {
            where.Append(" AND id = @f_id");
            parameters.Add(new NpgsqlParameter<long>("f_id", id));
        }

        if (filter.EndpointName is { } endpoint)
        {
            where.Append(" AND endpoint_name = @f_endpoint");
            parameters.Add(new NpgsqlParameter<string>("f_endpoint", endpoint));
        }

        if (filter.State is { } state)
        {
            where.Append(" AND state = @f_state");
            parameters.Add(new NpgsqlParameter<short>("f_state", (short)state));
        }

        if (filter.OrderNumber is { } orderNumber)
        {
            where.Append(" AND order_number = @f_order");
            parameters.Add(new NpgsqlParameter<string>("f_order", orderNumber));
        }

        if (filter.Since is { } since)
        {
            where.Append(" AND enqueued_at >= @f_since");
            parameters.Add(new NpgsqlParameter<DateTime>("f_since", since.UtcDateTime));
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND enqueued_at < @f_until");
            parameters.Add(new NpgsqlParameter<DateTime>("f_until", until.UtcDateTime));
        }

        return where.ToString();
    }
}
