using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Postback.Internal;

/// <summary>Checks <see cref="PostgreSqlPostbackOutboxOptions"/> at start-up; each message names the option and its value.</summary>
internal sealed partial class PostgreSqlPostbackOutboxOptionsValidator : IValidateOptions<PostgreSqlPostbackOutboxOptions>
{
    public static List<string> Check(PostgreSqlPostbackOutboxOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.DataSource is null)
        {
            errors.Add("PostgreSqlPostbackOutboxOptions: set ConnectionString or DataSource.");
        }

        if (options.Schema is null || !SchemaName().IsMatch(options.Schema))
        {
            errors.Add($"PostgreSqlPostbackOutboxOptions.Schema is \"{options.Schema}\": use 1 to 50 lower-case letters, digits and underscores, starting with a letter or underscore.");
        }

        if (!Enum.IsDefined(options.Clock))
        {
            errors.Add($"PostgreSqlPostbackOutboxOptions.Clock is {(int)options.Clock}, which is not a PostgreSqlOutboxClock value.");
        }

        return errors;
    }

    public ValidateOptionsResult Validate(string? name, PostgreSqlPostbackOutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
