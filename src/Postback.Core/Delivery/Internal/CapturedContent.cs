using System.Net.Http;

namespace Postback.Internal;

/// <summary>
/// The bounded body <see cref="ResponseCapture"/> read during the attempt. It keeps the bytes where the sender
/// can take them as they are, instead of buffering them again into another array.
/// </summary>
internal sealed class CapturedContent(byte[] body) : ByteArrayContent(body)
{
    public byte[] Body { get; } = body;
}
