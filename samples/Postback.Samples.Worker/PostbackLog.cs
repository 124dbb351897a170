using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace Postback.Samples.Worker;

/// <summary>
/// The postback log: told the final result of every postback, once, by the outbox. This one prints a line for each and
/// keeps counts, with the number of attempts from the outbox's store (the result is that of the last attempt). The
/// store already keeps every delivery and its attempts, for support and for replays (IPostbackOutbox.ReplayAsync).
/// </summary>
/// <remarks>Calls come concurrently from several deliveries, hence the lock.</remarks>
public sealed class PostbackLog : IPostbackDeliveryObserver
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Dictionary<PostbackOutcome, int> _outcomes = [];
    private readonly IPostbackOutboxStore _store;
    private int _transactions;
    private int _owed;
    private int _observed;
    private int _retried;
    private int _abandoned;
    private int _observedInDrain;
    private TimeSpan? _stopRequested;
    private TimeSpan? _stopped;

    public PostbackLog(IHostApplicationLifetime lifetime, IPostbackOutboxStore store)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        lifetime.ApplicationStopping.Register(() =>
        {
            lock (_gate)
            {
                _stopRequested = _clock.Elapsed;
                Note($"stop requested: the outbox stops claiming; {_owed - _observed} postbacks not final yet would stay in the store for the next start");
            }
        });
        lifetime.ApplicationStopped.Register(() =>
        {
            lock (_gate)
            {
                _stopped = _clock.Elapsed;
                Note($"host stopped: the shutdown took {(_stopped - _stopRequested)?.TotalSeconds:0.00} s");
            }
        });
    }

    /// <summary>Gets how many postbacks the enqueued transactions owe.</summary>
    public int Owed
    {
        get
        {
            lock (_gate)
            {
                return _owed;
            }
        }
    }

    /// <summary>Gets how many results and abandonments were observed.</summary>
    public int Observed
    {
        get
        {
            lock (_gate)
            {
                return _observed;
            }
        }
    }

    /// <summary>Records that a transaction was enqueued, and how many postbacks it owes.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="postbacks">The number of endpoints that apply to it.</param>
    public void Expect(PostbackTransaction transaction, int postbacks)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (_gate)
        {
            _transactions++;
            _owed += postbacks;
        }
    }

    public async ValueTask OnCompletedAsync(PostbackTransaction transaction, PostbackResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(result);

        // The delivery's attempts over its whole life, from the store (the result counts only its last attempt).
        var filter = new PostbackOutboxFilter { OrderNumber = transaction.OrderNumber, EndpointName = result.EndpointName };
        var page = await _store.QueryAsync(filter, beforeId: null, limit: 1, cancellationToken);
        var count = page.Items.Count > 0 ? page.Items[0].Attempts : result.Attempts;
        lock (_gate)
        {
            _observed++;
            _outcomes[result.Outcome] = _outcomes.GetValueOrDefault(result.Outcome) + 1;
            _retried += count > 1 ? 1 : 0;
            var phase = Phase();
            var attempts = count == 1 ? "1 attempt" : $"{count} attempts";
            var error = result.ErrorType is null ? string.Empty : $"  {result.ErrorType}: {result.ErrorMessage}";
            var outcome = result.StatusCode is { } status ? $"{result.Outcome} ({status})" : result.Outcome.ToString();
            Note($"{transaction.OrderNumber}  {transaction.TrafficSource,-6}  {result.EndpointName,-11}  {outcome,-15}  {attempts,-10}{phase}{error}");
        }
    }

    // The outbox reports a postback abandoned only when TryEnqueue handed it over and the write to the store failed.
    public ValueTask OnAbandonedAsync(PostbackTransaction transaction, string? endpointName, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (_gate)
        {
            _observed++;
            _abandoned++;
            Note($"{transaction.OrderNumber}  {transaction.TrafficSource,-6}  {endpointName ?? "(all)",-11}  ABANDONED: {reason}");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Prints a line with the time since start.</summary>
    /// <param name="text">The text.</param>
    public void Note(string text) =>
        Console.WriteLine($"  +{_clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s  {text.TrimEnd()}");

    /// <summary>
    /// Prints the summary, and returns whether every owed postback was delivered, none abandoned, and the store agrees:
    /// as many delivered deliveries, none left pending, in flight or parked.
    /// </summary>
    /// <param name="store">The outbox store's counts after the host stopped.</param>
    /// <returns><see langword="true"/> when all is as expected.</returns>
    public bool PrintSummary(PostbackOutboxStats store)
    {
        ArgumentNullException.ThrowIfNull(store);
        lock (_gate)
        {
            var delivered = _outcomes.GetValueOrDefault(PostbackOutcome.Delivered);
            var live = store[PostbackDeliveryState.Pending] + store[PostbackDeliveryState.InFlight] + store[PostbackDeliveryState.Parked];
            var ok = _owed > 0 && _observed == _owed && delivered == _owed && _abandoned == 0
                && store[PostbackDeliveryState.Delivered] == _owed && live == 0;
            Note($"outbox store: {store[PostbackDeliveryState.Delivered]} delivered, {store[PostbackDeliveryState.Dead]} dead, {live} pending, in flight or parked");
            var others = string.Concat(_outcomes.Where(o => o.Key != PostbackOutcome.Delivered).OrderBy(o => o.Key).Select(o => $", {o.Value} {o.Key.ToString().ToLowerInvariant()}"));
            Console.WriteLine();
            Console.WriteLine(
                $"Summary: {_transactions} transactions, {_owed} postbacks: {delivered} delivered ({_retried} after a retry, {_observedInDrain} during the shutdown)" +
                $"{others}, {_abandoned} abandoned; {(ok ? "all delivered" : "NOT all delivered")} in {_clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
            return ok;
        }
    }

    private string Phase()
    {
        if (_stopRequested is null)
        {
            return string.Empty;
        }

        _observedInDrain++;
        return "  (drain)";
    }
}
