namespace Postback.Internal;

internal enum MacroShape
{
    NotAMacro,
    EmptyName,
    Macro,
}
