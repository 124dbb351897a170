using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Npgsql;
using NpgsqlTypes;

namespace Postback.Internal;

/// <summary>An endpoint's health row, read under lock and changed in memory by a batch of completions.</summary>
internal sealed class EndpointHealth(string name)
{
    public string Name { get; } = name;

    public bool Enabled { get; private set; } = true;

    public int ConsecutiveFailures { get; private set; }

    public DateTime? FailingSince { get; private set; }

    public DateTime? LastSuccessAt { get; private set; }

    public DateTime? DisabledAt { get; private set; }

    public string? DisabledReason { get; private set; }

    public static EndpointHealth Read(NpgsqlDataReader reader) => new(reader.GetString(0))
    {
        Enabled = reader.GetBoolean(1),
        ConsecutiveFailures = reader.GetInt32(2),
        FailingSince = reader.IsDBNull(3) ? null : reader.GetDateTime(3),
        LastSuccessAt = reader.IsDBNull(4) ? null : reader.GetDateTime(4),
        DisabledAt = reader.IsDBNull(5) ? null : reader.GetDateTime(5),
        DisabledReason = reader.IsDBNull(6) ? null : reader.GetString(6),
    };

    /// <summary>Applies one attempt's signal (the design's rules, in completion order).</summary>
    /// <returns><see langword="true"/> when this signal disabled the endpoint.</returns>
    public bool Apply(PostbackEndpointSignal signal, PostbackEndpointHealthPolicy policy, DateTime now)
    {
        switch (signal)
        {
            case PostbackEndpointSignal.Success:
                ConsecutiveFailures = 0;
                FailingSince = null;
                LastSuccessAt = now;
                return false;

            case PostbackEndpointSignal.Failure:
                ConsecutiveFailures++;
                FailingSince ??= now;
                if (Enabled && ConsecutiveFailures >= policy.ConsecutiveFailures && now - FailingSince.Value >= policy.FailingFor)
                {
                    Disable(now, string.Create(CultureInfo.InvariantCulture,
                        $"{ConsecutiveFailures} consecutive failures since {FailingSince.Value:yyyy-MM-ddTHH:mm:ssZ}"));
                    return true;
                }

                return false;

            case PostbackEndpointSignal.Gone:
                if (Enabled && policy.DisableOnGone)
                {
                    Disable(now, "410 Gone");
                    return true;
                }

                return false;

            default:
                return false;
        }
    }

    public PostbackOutboxEndpoint ToEndpoint() => new()
    {
        Name = Name,
        Enabled = Enabled,
        ConsecutiveFailures = ConsecutiveFailures,
        FailingSince = ToOffset(FailingSince),
        LastSuccessAt = ToOffset(LastSuccessAt),
        DisabledAt = ToOffset(DisabledAt),
        DisabledReason = DisabledReason,
    };

    public static NpgsqlBatchCommand ToUpsertCommand(string sql, IEnumerable<EndpointHealth> endpoints)
    {
        var list = endpoints.ToList();
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. list.Select(e => e.Name)]));
        command.Parameters.Add(new NpgsqlParameter<bool[]>("enabled", [.. list.Select(e => e.Enabled)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("failures", [.. list.Select(e => e.ConsecutiveFailures)]));
        command.Parameters.Add(TimeArray("failing_since", list.Select(e => e.FailingSince)));
        command.Parameters.Add(TimeArray("last_success", list.Select(e => e.LastSuccessAt)));
        command.Parameters.Add(TimeArray("disabled_at", list.Select(e => e.DisabledAt)));
        command.Parameters.Add(new NpgsqlParameter("disabled_reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(e => e.DisabledReason).ToArray() });
        return command;
    }

    internal static NpgsqlParameter TimeArray(string name, IEnumerable<DateTime?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = values.ToArray() };

    private static DateTimeOffset? ToOffset(DateTime? time) => time is { } t ? new DateTimeOffset(t.Ticks, TimeSpan.Zero) : null;

    private void Disable(DateTime now, string reason)
    {
        Enabled = false;
        DisabledAt = now;
        DisabledReason = reason;
    }
}
