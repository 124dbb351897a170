namespace Postback.Internal;

internal enum TokenKind : byte
{
    Literal,
    Macro,
}
