namespace InfoCamWeb.Core.Tests;

public class ArchitectureTests
{
    [Fact]
    public void The_engine_references_no_web_database_or_ui_assembly()
    {
        var forbidden = new[] { "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "MudBlazor", "Hangfire" };
        var references = typeof(Core.Evaluation.Evaluator).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.DoesNotContain(references, r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal)));
        Assert.Contains("Microsoft.ML.OnnxRuntime", references);
    }
}
