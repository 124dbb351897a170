namespace Postback.Internal;

/// <summary>Why a render failed, kept small so the hot path allocates nothing; turned into an error object only when reported.</summary>
internal readonly record struct RenderFailure(PostbackRenderErrorCode Code, int TokenIndex);
