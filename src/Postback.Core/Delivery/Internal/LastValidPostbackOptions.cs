using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Postback.Internal;

/// <summary>
/// The postback options in force: the current ones while they validate, else the last ones that did. Everything that
/// delivers reads the options here (the resolver, the sender, the address policy, the HTTP pipeline, the queue and the
/// outbox through them), so a reload that does not validate (an unknown macro, a value out of range, a value the binder
/// cannot read) is logged with each problem and otherwise ignored: delivery goes on with the last valid options.
/// </summary>
/// <remarks>
/// <see cref="IOptionsMonitor{TOptions}"/> hands over only values that validated; an invalid reload leaves it with
/// nothing cached, and every read throws again (rethrowing to whoever called <c>Reload()</c> is its own behaviour).
/// So the monitor is asked only until a first value validated; from then on every valid value arrives through
/// <c>OnChange</c> and is kept, and after a rejected reload the last valid value is returned until a valid one arrives.
/// </remarks>
internal sealed class LastValidPostbackOptions : IDisposable
{
    private readonly IOptionsMonitor<PostbackOptions> _monitor;
    private readonly IOptionsFactory<PostbackOptions> _factory;
    private readonly ILogger<LastValidPostbackOptions> _logger;
    private readonly IDisposable? _onChange;
    private readonly List<IDisposable> _reloads = [];
    private PostbackOptions? _last;
    private string? _problem;

    // 1 while the configuration is known not to validate: the monitor is then not asked (each read would rebuild and fail).
    private int _rejected;

    public LastValidPostbackOptions(
        IOptionsMonitor<PostbackOptions> monitor,
        IOptionsFactory<PostbackOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<PostbackOptions>> reloadSources,
        ILogger<LastValidPostbackOptions> logger)
    {
        _monitor = monitor;
        _factory = factory;
        _logger = logger;

        // Only values that validated arrive here.
        _onChange = monitor.OnChange(Accept);

        // Every reload is checked on its own, so an invalid one is logged when it happens, not at the next postback.
        foreach (var source in reloadSources)
        {
            if (string.Equals(source.Name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
            {
                _reloads.Add(ChangeToken.OnChange(source.GetChangeToken, static self => self.CheckReload(), this));
            }
        }

        _ = TryGet(out _, out _);
    }

    /// <summary>Gets the options in force.</summary>
    /// <exception cref="OptionsValidationException">The options never validated.</exception>
    public PostbackOptions Current => TryGet(out var options, out var problem)
        ? options
        : throw new OptionsValidationException(Options.DefaultName, typeof(PostbackOptions), [problem]);

    /// <summary>Gets the options in force, or says why there are none: the options never validated.</summary>
    /// <remarks>
    /// Read on every send, so the common case is two plain reads: the monitor hands every value that validates to
    /// <see cref="Accept"/>, which keeps it here, and an invalid reload sets <c>_rejected</c>. The monitor is asked only
    /// before the first valid value arrived.
    /// </remarks>
    public bool TryGet([NotNullWhen(true)] out PostbackOptions? options, [NotNullWhen(false)] out string? problem)
    {
        options = Volatile.Read(ref _last);
        if (options is not null)
        {
            problem = null;
            return true;
        }

        if (Volatile.Read(ref _rejected) == 0)
        {
            try
            {
                options = _monitor.CurrentValue;
                // Only if nothing newer arrived meanwhile: Accept may have stored a later value.
                Interlocked.CompareExchange(ref _last, options, null);
                options = Volatile.Read(ref _last)!;
                problem = null;
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (Interlocked.Exchange(ref _rejected, 1) == 0)
                {
                    Reject(ex);
                }
            }
        }

        problem = $"The postback options are invalid, and no valid options were loaded before: {Volatile.Read(ref _problem) ?? "see the log"}";
        return false;
    }

    public void Dispose()
    {
        _onChange?.Dispose();
        foreach (var reload in _reloads)
        {
            reload.Dispose();
        }
    }

    private void Accept(PostbackOptions options, string? name)
    {
        if (string.Equals(name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
        {
            Volatile.Write(ref _last, options);
            Volatile.Write(ref _rejected, 0);
        }
    }

    private void CheckReload()
    {
        try
        {
            // A fresh instance, validated by the registered validators: the monitor's own cache may not have moved yet.
            _ = _factory.Create(Options.DefaultName);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Volatile.Write(ref _rejected, 1);
            Reject(ex);
        }
    }

    private void Reject(Exception ex)
    {
        if (ex is OptionsValidationException validation)
        {
            var problems = new List<string>(validation.Failures);
            Volatile.Write(ref _problem, string.Join(" ", problems));
            foreach (var problem in problems)
            {
                Log.OptionsRejected(_logger, problem);
            }
        }
        else
        {
            var problem = $"{ex.GetType().Name}: {ExceptionText.MessageOf(ex)}";
            Volatile.Write(ref _problem, problem);
            Log.OptionsRejected(_logger, problem);
        }
    }
}
