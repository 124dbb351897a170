using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks <see cref="SqlitePostbackOutboxOptions"/> at start-up, with messages that name the option and its value.</summary>
internal sealed class SqlitePostbackOutboxOptionsValidator : IValidateOptions<SqlitePostbackOutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SqlitePostbackOutboxOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns every problem; the store's constructor throws on the first.</summary>
    internal static List<string> Check(SqlitePostbackOutboxOptions options)
    {
        var failures = new List<string>();
        const string Prefix = nameof(SqlitePostbackOutboxOptions) + ".";
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.ConnectionString)} is required, for example \"Data Source=postbacks.db\".");
        }
        else
        {
            try
            {
                var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
                {
                    failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.ConnectionString)} (\"{builder.DataSource}\") must name a database file: an in-memory database is not durable and is not shared between the store's connections.");
                }
                else if (builder.Mode == SqliteOpenMode.ReadOnly)
                {
                    failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.ConnectionString)} opens the database read-only; the outbox writes to it.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.ConnectionString)} is not a valid SQLite connection string: {ex.Message}");
            }
        }

        if (!SqliteOutboxSchema.IsValidPrefix(options.TablePrefix))
        {
            failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.TablePrefix)} (\"{options.TablePrefix}\") must be 0 to 32 letters, digits or underscores, not starting with a digit.");
        }

        if (options.BusyTimeout < TimeSpan.FromSeconds(1) || options.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.BusyTimeout)} ({options.BusyTimeout}) must be from 00:00:01 to 00:10:00.");
        }

        if (options.JournalSizeLimit is < 0 or > 1024L * 1024 * 1024)
        {
            failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.JournalSizeLimit)} ({options.JournalSizeLimit}) must be from 0 to 1073741824 bytes.");
        }

        if (options.PurgeBatchSize is < 10 or > 100_000)
        {
            failures.Add($"{Prefix}{nameof(SqlitePostbackOutboxOptions.PurgeBatchSize)} ({options.PurgeBatchSize}) must be from 10 to 100000.");
        }

        return failures;
    }
}
