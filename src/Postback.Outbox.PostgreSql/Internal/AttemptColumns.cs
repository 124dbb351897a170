using System;
using System.Collections.Generic;
using Npgsql;
using NpgsqlTypes;

namespace Postback.Internal;

/// <summary>Attempt records as parallel arrays, inserted with one <c>unnest</c> statement.</summary>
internal sealed class AttemptColumns
{
    private readonly List<long> _ids = [];
    private readonly List<int> _numbers = [];
    private readonly List<DateTime> _started = [];
    private readonly List<TimeSpan> _durations = [];
    private readonly List<short> _outcomes = [];
    private readonly List<int?> _statusCodes = [];
    private readonly List<string?> _errorTypes = [];
    private readonly List<string?> _errorMessages = [];
    private readonly List<string?> _bodies = [];
    private readonly List<string?> _urls = [];

    public int Count => _ids.Count;

    public void Add(long id, PostbackOutboxAttempt record)
    {
        _ids.Add(id);
        _numbers.Add(record.Number);
        _started.Add(record.StartedAt.UtcDateTime);
        _durations.Add(record.Duration);
        _outcomes.Add((short)record.Outcome);
        _statusCodes.Add(record.StatusCode);
        _errorTypes.Add(record.ErrorType);
        _errorMessages.Add(record.ErrorMessage);
        _bodies.Add(record.ResponseBody);
        _urls.Add(record.RedactedUrl);
    }

    public NpgsqlBatchCommand ToCommand(string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. _ids]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("numbers", [.. _numbers]));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("started", [.. _started]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]>("durations", [.. _durations]));
        command.Parameters.Add(new NpgsqlParameter<short[]>("outcomes", [.. _outcomes]));
        command.Parameters.Add(new NpgsqlParameter("status_codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = _statusCodes.ToArray() });
        command.Parameters.Add(Text("error_types", _errorTypes));
        command.Parameters.Add(Text("error_messages", _errorMessages));
        command.Parameters.Add(Text("bodies", _bodies));
        command.Parameters.Add(Text("urls", _urls));
        return command;
    }

    private static NpgsqlParameter Text(string name, List<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };
}
