namespace Postback.Internal;

/// <summary>
/// What rendering from a <see cref="PostbackTransaction"/> writes for one token, decided when the template is parsed,
/// so that the render loop makes one switch per token and reads the transaction's field directly.
/// </summary>
internal enum TransactionWriter : byte
{
    /// <summary>A literal run, copied.</summary>
    Literal,

    /// <summary>Anything without a dedicated writer: the value is fetched as a <see cref="PostbackValue"/> and written by the general path.</summary>
    Value,

    /// <summary>A text field, default format, in a URL part that percent-encodes (path, query, fragment, user-info).</summary>
    PercentEncodedText,

    /// <summary>A text field, default format, in a form body.</summary>
    FormEncodedText,

    /// <summary><see cref="PostbackTransaction.SaleAmount"/>, default format, in a URL part that percent-encodes or a form body.</summary>
    SaleAmount,

    /// <summary><see cref="PostbackTransaction.CommissionAmount"/>, default format, in a URL part that percent-encodes or a form body.</summary>
    CommissionAmount,

    /// <summary><see cref="PostbackTransaction.EventTime"/>, default format, in a URL part that percent-encodes or a form body: the colons come out as <c>%3A</c>.</summary>
    EventTime,
}
