namespace InfoCamWeb.Web.Features;

/// <summary>Why a service refused an action; hosts map the kind (the API to a status and a stable code), never the words.</summary>
public enum ErrorKind
{
    /// <summary>The input is wrong; the message says what and where.</summary>
    Invalid,

    /// <summary>The object does not exist or belongs to another team (the two are never told apart).</summary>
    NotFound,

    /// <summary>The action needs a signed-in member of a team.</summary>
    NoTeam,

    /// <summary>A per-team limit was reached.</summary>
    Quota,

    /// <summary>An upload is larger than its limit.</summary>
    TooLarge,

    /// <summary>The action needs a site role (host, administrator) the actor does not have.</summary>
    Forbidden,
}

/// <summary>
/// A refusal from a service, with a message for people. A plain string converts to an <see cref="ErrorKind.Invalid"/>
/// error, the common case; the other kinds are named where they arise.
/// </summary>
public sealed record ServiceError(ErrorKind Kind, string Message)
{
    public static ServiceError NotFound(string message) => new(ErrorKind.NotFound, message);

    public static ServiceError NoTeam(string message) => new(ErrorKind.NoTeam, message);

    public static ServiceError Quota(string message) => new(ErrorKind.Quota, message);

    public static ServiceError TooLarge(string message) => new(ErrorKind.TooLarge, message);

    public static ServiceError Forbidden(string message) => new(ErrorKind.Forbidden, message);

    public static implicit operator ServiceError(string message) => new(ErrorKind.Invalid, message);

    public override string ToString() => Message;
}
