using System;
using System.Collections.Generic;
using Npgsql;
using NpgsqlTypes;

namespace Postback.Internal;

/// <summary>Completions as parallel arrays, written with one <c>unnest</c> statement.</summary>
internal sealed class CompletionColumns
{
    private readonly List<long> _ids = [];
    private readonly List<short> _states = [];
    private readonly List<TimeSpan> _delays = [];
    private readonly List<int> _failed = [];
    private readonly List<string?> _parkReasons = [];
    private readonly List<bool> _hasRecord = [];
    private readonly List<int?> _statusCodes = [];
    private readonly List<string?> _errorTypes = [];

    public int Count => _ids.Count;

    public void Add(PostbackOutboxCompletion completion, PostbackDeliveryState state, string? parkReason, int failed)
    {
        _ids.Add(completion.Id);
        _states.Add((short)state);
        _delays.Add(completion.RetryDelay < TimeSpan.Zero ? TimeSpan.Zero : completion.RetryDelay);
        _failed.Add(failed);
        _parkReasons.Add(state == PostbackDeliveryState.Parked ? parkReason : null);
        _hasRecord.Add(completion.Record is not null);
        _statusCodes.Add(completion.Record?.StatusCode);
        _errorTypes.Add(completion.Record?.ErrorType);
    }

    public NpgsqlBatchCommand ToLiveCommand(string sql, DateTime now)
    {
        var command = Common(sql, now);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]>("delays", [.. _delays]));
        command.Parameters.Add(new NpgsqlParameter("park_reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _parkReasons.ToArray() });
        return command;
    }

    public NpgsqlBatchCommand ToFinalCommand(string sql, DateTime now) => Common(sql, now);

    private NpgsqlBatchCommand Common(string sql, DateTime now)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("now", now));
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. _ids]));
        command.Parameters.Add(new NpgsqlParameter<short[]>("states", [.. _states]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("failed", [.. _failed]));
        command.Parameters.Add(new NpgsqlParameter<bool[]>("has_record", [.. _hasRecord]));
        command.Parameters.Add(new NpgsqlParameter("status_codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = _statusCodes.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("error_types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _errorTypes.ToArray() });
        return command;
    }
}
