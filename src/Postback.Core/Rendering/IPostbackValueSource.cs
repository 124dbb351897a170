namespace Postback;

/// <summary>
/// Supplies the values of one transaction to a template, so that you can render straight from your own
/// domain type without copying it into a <see cref="PostbackTransaction"/>.
/// </summary>
/// <remarks>
/// Implement it on a struct (or a ref struct) that wraps your type and pass it to the generic
/// <see cref="PostbackTemplate.Render{TSource}(TSource)"/> and
/// <see cref="PostbackTemplate.TryRender{TSource}(TSource, System.Span{char}, out int)"/>: the call is then
/// specialised for your type and nothing is boxed.
/// <code>
/// readonly struct OrderValues(Order order) : IPostbackValueSource
/// {
///     public PostbackValue GetValue(MacroDefinition macro) => macro.Field switch
///     {
///         PostbackField.SubId1 => order.Click.SubId,
///         PostbackField.OrderNumber => order.Number,
///         PostbackField.SaleAmount => order.Total,          // decimal: formatted invariantly, no string made
///         PostbackField.EventTime => order.CompletedAt,     // DateTimeOffset: rendered in UTC
///         PostbackField.ProgramId => order.ProgramId,       // long
///         _ => PostbackValue.None,
///     };
/// }
/// </code>
/// </remarks>
public interface IPostbackValueSource
{
    /// <summary>Returns the value of one macro.</summary>
    /// <param name="macro">The macro, with the <see cref="MacroDefinition.Field"/> it reads and, for custom macros, its <see cref="MacroDefinition.Key"/>.</param>
    /// <returns>The value, or <see cref="PostbackValue.None"/> when it is missing.</returns>
    PostbackValue GetValue(MacroDefinition macro);
}
