namespace Postback.Internal;

/// <summary>A completion on its way to the store, with what the observers are told once it counts.</summary>
internal sealed record OutboxPendingCompletion(PostbackOutboxCompletion Completion, PostbackOutboxLease Lease, PostbackTransaction Transaction, PostbackResult? Result);
