namespace Postback;

/// <summary>The HTTP method a partner chose for its postbacks.</summary>
public enum PostbackHttpMethod
{
    /// <summary>GET: the values travel in the URL. The default.</summary>
    Get = 0,

    /// <summary>POST: the values travel in the URL and, optionally, a form or JSON body.</summary>
    Post,
}
