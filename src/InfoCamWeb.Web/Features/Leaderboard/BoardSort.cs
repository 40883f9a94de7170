namespace InfoCamWeb.Web.Features.Leaderboard;

/// <summary>
/// How a board's rows are shown sorted (ranks, gaps and ties stay the board's): by a column, numbers high first, text
/// and rank low first; choosing the same column again reverses.
/// </summary>
public sealed class BoardSort
{
    public string Column { get; private set; } = "rank";

    public bool Descending { get; private set; }

    public void By(string column)
    {
        Descending = Column == column ? !Descending : column is not ("rank" or "team");
        Column = column;
    }

    public string Arrow(string column) => Column == column ? (Descending ? " ▼" : " ▲") : "";

    public IEnumerable<T> Apply<T>(IEnumerable<T> rows, Func<T, BoardRow> row)
    {
        Func<T, object> key = Column switch
        {
            "team" => r => row(r).Team,
            "top1loc" => r => row(r).Top1Loc,
            "gtknownloc" => r => row(r).GtKnownLoc,
            "maxboxacc" => r => row(r).MaxBoxAcc,
            "maxboxaccv2" => r => row(r).MaxBoxAccV2,
            "top1cls" => r => row(r).Top1Cls,
            "pxap" => r => row(r).Pxap ?? double.NegativeInfinity,
            "score" => r => row(r).Score,
            "date" => r => row(r).Date,
            _ => r => row(r).Rank,
        };
        return Descending ? rows.OrderByDescending(key).ThenBy(r => row(r).Rank) : rows.OrderBy(key).ThenBy(r => row(r).Rank);
    }
}
