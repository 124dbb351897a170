namespace Postback;

/// <summary>Why a template could not be rendered for a transaction.</summary>
public enum PostbackRenderErrorCode
{
    /// <summary>A value in the host is not a valid ASCII host name, or the resulting host is not.</summary>
    InvalidHost = 1,

    /// <summary>A value in the port is not a number from 0 to 65535.</summary>
    InvalidPort,

    /// <summary>A value is missing and <see cref="MissingValuePolicy.Fail"/> is in force.</summary>
    MissingValue,

    /// <summary>A <c>raw</c> value contains a character that is never valid unencoded in its place (white space, a control character, non-ASCII, or <c>" &lt; &gt; \ ^ ` { | }</c>).</summary>
    InvalidRawValue,

    /// <summary>The macro has a format, and the value source supplied a value of another kind (text for a number format, say).</summary>
    ValueKindMismatch,

    /// <summary>A value in the path makes a <c>.</c> or <c>..</c> segment, which URL resolution would remove, changing the path.</summary>
    DotSegment,

    /// <summary>The rendered text would be longer than the renderer's limit of 1 048 576 characters.</summary>
    OutputTooLong,
}
