namespace Postback;

/// <summary>Which clock a <see cref="PostgreSqlPostbackOutboxStore"/> takes its times from (leases, due times, completion times).</summary>
public enum PostgreSqlOutboxClock
{
    /// <summary>
    /// The database server's <c>now()</c>. Every node reads one clock, so leases hold even when the nodes' own clocks
    /// disagree by seconds or minutes. The default.
    /// </summary>
    Database = 0,

    /// <summary>
    /// The <see cref="System.TimeProvider"/> given to the store (in tests, a fake clock). Safe on one node, or where the
    /// nodes' clocks are kept in step; a node whose clock runs ahead reclaims other nodes' leases early.
    /// </summary>
    TimeProvider = 1,
}
