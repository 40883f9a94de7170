using InfoCamWeb.Web.Features.Benchmarks;

namespace InfoCamWeb.Web.Tests.Features.Benchmarks;

public class PhaseFormTests
{
    private static readonly DateTimeOffset Opens = new(2026, 12, 2, 8, 15, 42, 123, TimeSpan.Zero);
    private static readonly DateTimeOffset Closes = new(2026, 12, 9, 8, 15, 42, 123, TimeSpan.Zero);

    [Fact]
    public void A_stored_phase_saved_unchanged_keeps_its_dates_to_the_tick_though_the_form_shows_minutes()
    {
        var form = PhaseForm.Of(new PhaseRequest { Id = 7, Name = "Final", Opens = Opens, Closes = Closes });
        Assert.Equal("2026-12-02 08:15", form.Opens);
        var (phases, error) = PhaseForm.ToRequests([form]);
        Assert.Null(error);
        Assert.Equal((Opens, Closes), (phases[0].Opens, phases[0].Closes));
    }

    [Fact]
    public void A_date_typed_anew_is_read_as_UTC_and_a_wrong_one_is_named_with_its_field()
    {
        var form = PhaseForm.Of(new PhaseRequest { Name = "Final", Opens = Opens, Closes = Closes });
        form.Closes = "2026-12-10 18:30";
        var (phases, error) = PhaseForm.ToRequests([form]);
        Assert.Null(error);
        Assert.Equal(Opens, phases[0].Opens);
        Assert.Equal(new DateTimeOffset(2026, 12, 10, 18, 30, 0, TimeSpan.Zero), phases[0].Closes);
        form.Opens = "next week";
        Assert.Equal("phases[0].opens: 'next week' is not a date yyyy-MM-dd HH:mm (UTC).", PhaseForm.ToRequests([form]).Error);
    }
}
