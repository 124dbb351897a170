namespace Postback.Internal;

/// <summary>
/// A <see cref="PostbackTransaction"/> passed to the generic render entry points. The renderer recognises this type
/// (a struct, so the check costs nothing once compiled) and reads the transaction's fields directly instead of
/// fetching each value through <see cref="IPostbackValueSource.GetValue"/>.
/// </summary>
internal readonly struct TransactionSource(PostbackTransaction transaction) : IPostbackValueSource
{
    public PostbackTransaction Transaction { get; } = transaction;

    public PostbackValue GetValue(MacroDefinition macro) => Transaction.GetValue(macro);
}
