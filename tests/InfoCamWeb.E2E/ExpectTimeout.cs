using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace InfoCamWeb.E2E;

/// <summary>
/// Playwright's assertions wait 5 s by default. CI runs the web and browser suites side by side on two cores,
/// where an upload or a Blazor circuit's first render has been seen to take longer than that; an assertion
/// here waits for what a user would see, so it may wait as long as a page's own default timeout allows.
/// </summary>
internal static class ExpectTimeout
{
    [ModuleInitializer]
    internal static void Initialize() => Assertions.SetDefaultExpectTimeout(30_000);
}
