using System;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Postback;

/// <summary>
/// One macro's value, as an <see cref="IPostbackValueSource"/> supplies it: text, a number or a point in time,
/// without boxing or formatting it first.
/// </summary>
/// <remarks>
/// Implicit conversions exist from <see cref="string"/>, <see cref="decimal"/>, <see cref="long"/>,
/// <see cref="int"/> and <see cref="DateTimeOffset"/> and their nullable forms; <see langword="null"/> converts to
/// <see cref="None"/>.
/// </remarks>
[StructLayout(LayoutKind.Explicit)]
public readonly struct PostbackValue : IEquatable<PostbackValue>
{
    // The number fields share their bytes: a value is one kind at a time, and a smaller struct is cheaper to return
    // from every GetValue call on the render path.
    [FieldOffset(0)]
    private readonly string? _text;

    [FieldOffset(8)]
    private readonly decimal _decimal;

    // Int64 values, or the UTC ticks of a DateTime value.
    [FieldOffset(8)]
    private readonly long _int64;

    [FieldOffset(24)]
    private readonly PostbackValueKind _kind;

    private PostbackValue(PostbackValueKind kind, string? text, decimal number, long int64)
    {
        _kind = kind;
        _text = text;
        _decimal = number;
        if (kind != PostbackValueKind.Decimal)
        {
            _int64 = int64;
        }
    }

    /// <summary>Gets the missing value.</summary>
    public static PostbackValue None => default;

    /// <summary>Gets the kind of value held.</summary>
    public PostbackValueKind Kind => _kind;

    /// <summary>Gets a value indicating whether the value is missing or is empty text; a macro's default applies then.</summary>
    public bool IsEmpty => Kind == PostbackValueKind.None || (Kind == PostbackValueKind.Text && _text!.Length == 0);

    /// <summary>Gets the text; <see langword="null"/> unless <see cref="Kind"/> is <see cref="PostbackValueKind.Text"/>.</summary>
    public string? Text => Kind == PostbackValueKind.Text ? _text : null;

    internal decimal DecimalValue => _decimal;

    internal long Int64Value => _int64;

    internal long UtcTicks => _int64;

    /// <summary>Creates a text value; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The value.</returns>
    public static PostbackValue FromText(string? value) => value is null ? default : new(PostbackValueKind.Text, value, 0, 0);

    /// <summary>Creates a decimal value.</summary>
    /// <param name="value">The number; its scale is kept (10.00 renders as <c>10.00</c>).</param>
    /// <returns>The value.</returns>
    public static PostbackValue FromDecimal(decimal value) => new(PostbackValueKind.Decimal, null, value, 0);

    /// <summary>Creates an integer value.</summary>
    /// <param name="value">The number.</param>
    /// <returns>The value.</returns>
    public static PostbackValue FromInt64(long value) => new(PostbackValueKind.Int64, null, 0, value);

    /// <summary>Creates a point-in-time value. It is always rendered in UTC.</summary>
    /// <param name="value">The point in time.</param>
    /// <returns>The value.</returns>
    public static PostbackValue FromDateTime(DateTimeOffset value) => new(PostbackValueKind.DateTime, null, 0, value.UtcTicks);

    /// <summary>Converts text; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The text.</param>
    public static implicit operator PostbackValue(string? value) => FromText(value);

    /// <summary>Converts a decimal.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(decimal value) => FromDecimal(value);

    /// <summary>Converts a nullable decimal; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(decimal? value) => value is { } v ? FromDecimal(v) : default;

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(long value) => FromInt64(value);

    /// <summary>Converts a nullable integer; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(long? value) => value is { } v ? FromInt64(v) : default;

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(int value) => FromInt64(value);

    /// <summary>Converts a nullable integer; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator PostbackValue(int? value) => value is { } v ? FromInt64(v) : default;

    /// <summary>Converts a point in time.</summary>
    /// <param name="value">The point in time.</param>
    public static implicit operator PostbackValue(DateTimeOffset value) => FromDateTime(value);

    /// <summary>Converts a nullable point in time; <see langword="null"/> gives <see cref="None"/>.</summary>
    /// <param name="value">The point in time.</param>
    public static implicit operator PostbackValue(DateTimeOffset? value) => value is { } v ? FromDateTime(v) : default;

    /// <summary>Compares two values.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(PostbackValue left, PostbackValue right) => left.Equals(right);

    /// <summary>Compares two values.</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    /// <returns><see langword="true"/> when not equal.</returns>
    public static bool operator !=(PostbackValue left, PostbackValue right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(PostbackValue other) =>
        Kind == other.Kind && Kind switch
        {
            PostbackValueKind.Text => string.Equals(_text, other._text, StringComparison.Ordinal),
            PostbackValueKind.Decimal => _decimal == other._decimal,
            PostbackValueKind.None => true,
            _ => _int64 == other._int64,
        };

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PostbackValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Kind switch
    {
        PostbackValueKind.Text => HashCode.Combine(Kind, _text),
        PostbackValueKind.Decimal => HashCode.Combine(Kind, _decimal),
        PostbackValueKind.None => 0,
        _ => HashCode.Combine(Kind, _int64),
    };

    /// <summary>Returns the value's invariant text (unencoded); empty for <see cref="None"/>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        PostbackValueKind.Text => _text!,
        PostbackValueKind.Decimal => _decimal.ToString(CultureInfo.InvariantCulture),
        PostbackValueKind.Int64 => _int64.ToString(CultureInfo.InvariantCulture),
        PostbackValueKind.DateTime => new DateTime(_int64, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
        _ => string.Empty,
    };
}
