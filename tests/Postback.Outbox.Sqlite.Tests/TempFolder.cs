using Microsoft.Data.Sqlite;

namespace Postback.Tests;

/// <summary>A temporary folder for database files, deleted (with the pooled connections to it closed) on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "postback-sqlite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string ConnectionString(string name) => new SqliteConnectionStringBuilder { DataSource = File(name) }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file still open elsewhere is left to the OS's temp cleanup.
        }
    }
}
