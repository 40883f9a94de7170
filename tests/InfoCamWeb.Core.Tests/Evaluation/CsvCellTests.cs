using InfoCamWeb.Core.Evaluation;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class CsvCellTests
{
    [Theory]
    [InlineData("001.Black_footed_Albatross", "001.Black_footed_Albatross")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("", "")]
    public void Cells_are_quoted_when_needed_and_never_start_a_formula(string text, string expected)
    {
        Assert.Equal(expected, CsvCell.Escape(text));
    }
}
