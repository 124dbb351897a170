namespace Postback.Internal;

internal enum WriteStatus : byte
{
    Done,
    TooSmall,
    Invalid,
}
