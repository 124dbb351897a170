using System;
using System.Buffers;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Postback.Internal;

/// <summary>
/// The innermost step of each attempt (<see cref="PostbackResilienceHandler"/> runs it in the pipeline's callback):
/// reads at most <see cref="PostbackOptions.MaxResponseBodyBytes"/> of the body while the attempt is still running, so
/// the attempt timeout covers the body and a huge or endless response cannot hold memory or the attempt. The rest of
/// the body is dropped with the connection.
/// </summary>
/// <remarks>A step of the callback rather than a handler of its own: one handler layer less on every send.</remarks>
internal static class ResponseCapture
{
    public static async ValueTask<HttpResponseMessage> CaptureAsync(HttpResponseMessage response, PostbackSendState? state, CancellationToken cancellationToken)
    {
        if (state is not null)
        {
            state.LastStatusCode = (int)response.StatusCode;
        }

        var limit = state?.Options.MaxResponseBodyBytes ?? 4096;
        var original = response.Content;
        try
        {
            // One byte more than the limit tells a body of exactly the limit from a longer one. The read buffer is
            // pooled; only what was read is kept.
            var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
            var total = 0;
            byte[] body;
            try
            {
                var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    int read;
                    while (total <= limit && (read = await stream.ReadAsync(buffer.AsMemory(total, limit + 1 - total), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        total += read;
                    }
                }

                body = buffer.AsSpan(0, Math.Min(total, limit)).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var captured = new CapturedContent(body);
            // The non-validated view walks the stored values as they are: no parsing, and no array per header.
            foreach (var header in original.Headers.NonValidated)
            {
                if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                // Parsed once here, and the parsed value handed over: the sender reads its charset, and a value that
                // was already parsed is not written out as text only to be parsed again.
                if (header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && original.Headers.ContentType is { } contentType)
                {
                    captured.Headers.ContentType = contentType;
                    continue;
                }

                if (header.Value.Count == 1)
                {
                    captured.Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
                }
                else
                {
                    captured.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            if (state is not null)
            {
                state.BodyTruncated = total > limit;
            }

            response.Content = captured;
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
        finally
        {
            original.Dispose();
        }
    }
}
