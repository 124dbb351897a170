namespace Postback.Internal;

/// <summary>A part of a rendered URL that must be validated as a whole once its macros are in: the host, the port or the path.</summary>
/// <param name="StartToken">The token in which the region starts.</param>
/// <param name="StartOffset">The offset of the start within that token's output (0 for a macro).</param>
/// <param name="EndToken">The token at which the region ends (the token count when it ends with the template).</param>
/// <param name="EndOffset">The offset of the end within that token's output.</param>
internal readonly record struct ValidatedRegion(int StartToken, int StartOffset, int EndToken, int EndOffset)
{
    public static readonly ValidatedRegion None = new(-1, 0, -1, 0);

    public bool IsNone => StartToken < 0;
}
