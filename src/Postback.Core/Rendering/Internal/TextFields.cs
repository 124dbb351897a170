using System.Runtime.CompilerServices;

namespace Postback.Internal;

/// <summary>
/// Storage for <see cref="PostbackTransaction"/>'s text fields, one slot per <see cref="PostbackField"/> value (the
/// slots of the number and time fields stay unused), so a field is read by index rather than through a switch.
/// </summary>
[InlineArray(SlotCount)]
internal struct TextFields
{
    public const int SlotCount = (int)PostbackField.PublisherId + 1;

    private string? _first;
}
