using Ganss.Xss;
using Markdig;

namespace InfoCamWeb.Web.Features.Benchmarks;

/// <summary>A host's Markdown as HTML safe to show: Markdig (raw HTML disabled), then HtmlSanitizer (scripts, event handlers, javascript: links removed).</summary>
public static class BenchmarkMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UseAdvancedExtensions().Build();
    private static readonly HtmlSanitizer Sanitizer = NewSanitizer();

    private static HtmlSanitizer NewSanitizer()
    {
        var s = new HtmlSanitizer();
        s.AllowedSchemes.Clear();
        s.AllowedSchemes.Add("https");
        s.AllowedSchemes.Add("http");
        s.AllowedSchemes.Add("mailto");
        return s;
    }

    public static string ToSafeHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));
}
