using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using InfoCamWeb.Web.Features.Api;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>
/// Another team's private id answers exactly as an id that does not exist, on every route that takes one: the routes
/// are read from the app's endpoint data source, so a new page or endpoint is covered without touching this test.
/// </summary>
[Collection(WebAppCollection.Name)]
public partial class PrivateIdTests(WebAppFixture app)
{
    private enum Item { Model, Dataset, Run }

    /// <summary>Route parameters that name an item; every other int parameter must be listed in <see cref="Samples"/>.</summary>
    private static readonly Dictionary<string, Item?> IdParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = null, // the item named by the route's first literal segment
        ["dataset"] = Item.Dataset,
        ["datasetId"] = Item.Dataset,
        ["modelId"] = Item.Model,
        ["runId"] = Item.Run,
    };

    private static readonly Dictionary<string, string[]> Samples = new(StringComparer.OrdinalIgnoreCase)
    {
        ["index"] = ["0"],
        ["kind"] = ["cam", "photo"],
        ["split"] = ["test"],
        ["protocol"] = ["resize224"],
        ["format"] = ["json", "csv"],
    };

    private static readonly Dictionary<string, Item> Segments = new(StringComparer.OrdinalIgnoreCase)
    {
        ["runs"] = Item.Run, ["models"] = Item.Model, ["datasets"] = Item.Dataset, ["leaderboards"] = Item.Dataset,
    };

    private const int Missing = 987_654_321;
    private const string MissingText = "987654321";

    [Fact]
    public async Task Every_route_that_takes_an_id_answers_for_another_teams_private_id_exactly_as_for_a_missing_id()
    {
        var items = await app.TeamWithPrivateItemsAsync();
        var b = await app.NewTeamMemberAsync();
        var (token, _) = await app.Get<ApiTokenService>().CreateAsync(b, "probe");
        var withToken = app.CreateClient(new() { AllowAutoRedirect = false });
        withToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var visitors = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = app.CreateClient(new() { AllowAutoRedirect = false }),
            ["team B cookie"] = await app.SignedInClientAsync(b),
            ["team B token"] = withToken,
        };
        var owner = await app.SignedInClientAsync(items.A);
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await app.Get<ApiTokenService>().CreateAsync(items.A, "owner")).Token);

        var probes = Probes(items).ToList();
        Assert.True(probes.Select(p => p.Pattern).Distinct().Count() >= 12, "Too few routes found: " + string.Join(", ", probes.Select(p => p.Pattern).Distinct()));
        int ownerSeesMore = 0;
        foreach (var probe in probes)
        {
            foreach (var (who, client) in visitors)
            {
                var mine = await AnswerAsync(client, probe.Method, probe.Private);
                var absent = (await AnswerAsync(client, probe.Method, probe.Missing)).Replace(MissingText, probe.PrivateId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(absent == mine, $"{probe.Method} {probe.Pattern} as {who}: id {probe.PrivateId} answers\n{mine}\nbut a missing id answers\n{absent}");
                Assert.DoesNotContain("A's", Decoded(mine));
            }
            if (probe.Method != "GET") continue; // the owner's POST would change the item (publish it)
            var own = await AnswerAsync(owner, probe.Method, probe.Private);
            var ownMissing = (await AnswerAsync(owner, probe.Method, probe.Missing)).Replace(MissingText, probe.PrivateId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (own != ownMissing) ownerSeesMore++;
        }
        // The ids are real: their owner gets something else than "not found" on most routes.
        int gets = probes.Count(p => p.Method == "GET");
        Assert.True(ownerSeesMore >= gets * 2 / 3, $"The owner saw their items on only {ownerSeesMore} of {gets} routes.");
    }

    private sealed record Probe(string Pattern, string Method, string Private, string Missing, int PrivateId);

    private IEnumerable<Probe> Probes(PrivateItems items)
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern;
            // Benchmarks are public by design (listed to everyone); what they hide is checked by BenchmarkTests.
            if (pattern.PathSegments.SelectMany(x => x.Parts).OfType<RoutePatternLiteralPart>().Any(l => l.Content == "benchmarks")) continue;
            var idParameter = pattern.Parameters.FirstOrDefault(p => IdParameters.ContainsKey(p.Name));
            if (idParameter is null)
            {
                Assert.DoesNotContain(pattern.Parameters, p => p.ParameterPolicies.Any(x => x.Content == "int") && !Samples.ContainsKey(p.Name));
                continue;
            }
            var item = IdParameters[idParameter.Name] ?? ItemOf(pattern);
            int id = item switch { Item.Model => items.Model, Item.Dataset => items.Dataset, _ => items.Run };
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            bool page = endpoint.Metadata.Any(m => m.GetType().Name == "ComponentTypeMetadata");
            foreach (var method in page ? ["GET"] : methods)
            {
                foreach (var values in Combinations(pattern.Parameters.Where(p => p != idParameter).ToList()))
                {
                    values[idParameter.Name] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var privateUrl = Url(pattern, values);
                    values[idParameter.Name] = Missing.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    yield return new Probe(pattern.RawText ?? privateUrl, method, privateUrl, Url(pattern, values), id);
                }
            }
        }
    }

    private static Item ItemOf(RoutePattern pattern)
    {
        var literal = pattern.PathSegments.SelectMany(s => s.Parts).OfType<RoutePatternLiteralPart>().Select(l => l.Content)
            .FirstOrDefault(Segments.ContainsKey);
        Assert.True(literal is not null, $"{pattern.RawText}: which item does its id name? Add the route's segment to PrivateIdTests.Segments.");
        return Segments[literal!];
    }

    private static IEnumerable<Dictionary<string, string>> Combinations(IReadOnlyList<RoutePatternParameterPart> parameters)
    {
        if (parameters.Count == 0)
        {
            yield return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            yield break;
        }
        Assert.True(Samples.ContainsKey(parameters[0].Name), $"No sample value for route parameter '{parameters[0].Name}': add one to PrivateIdTests.Samples.");
        foreach (var rest in Combinations(parameters.Skip(1).ToList()))
        {
            foreach (var value in Samples[parameters[0].Name])
            {
                yield return new Dictionary<string, string>(rest, StringComparer.OrdinalIgnoreCase) { [parameters[0].Name] = value };
            }
        }
    }

    private static string Url(RoutePattern pattern, IReadOnlyDictionary<string, string> values) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart l => l.Content,
            RoutePatternSeparatorPart s => s.Content,
            RoutePatternParameterPart p => values[p.Name],
            _ => "",
        }))));

    private static string Decoded(string body) => body.Replace("&#x27;", "'").Replace("\\u0027", "'");

    private static Task<string> AnswerAsync(HttpClient client, string method, string url) =>
        AnswerAsync(client, new HttpRequestMessage(new HttpMethod(method), url));

    /// <summary>Status, content type and body, without what differs per request (tokens, circuit descriptors, trace ids).</summary>
    private static async Task<string> AnswerAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        body = CircuitMarkers().Replace(body, "");
        body = AntiforgeryValue().Replace(body, "");
        body = TraceId().Replace(body, "");
        body = ElementIds().Replace(body, "$1=\"\""); // MudBlazor numbers its elements at random
        return $"{(int)response.StatusCode} {response.Content.Headers.ContentType}\n{body}";
    }

    [GeneratedRegex("<!--Blazor.*?-->", RegexOptions.Singleline)]
    private static partial Regex CircuitMarkers();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"[^\"]*\"")]
    private static partial Regex AntiforgeryValue();

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();

    [GeneratedRegex("\\b(id|for|aria-controls|aria-labelledby|aria-describedby|aria-owns)=\"[^\"]*\"")]
    private static partial Regex ElementIds();

    [Fact]
    public async Task Ids_in_a_query_or_a_request_body_answer_for_another_teams_private_item_as_for_a_missing_one()
    {
        var items = await app.TeamWithPrivateItemsAsync();
        var demo = await app.DemoRunAsync();
        var b = await app.NewTeamMemberAsync();
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await app.Get<ApiTokenService>().CreateAsync(b, "probe")).Token);
        var cookie = await app.SignedInClientAsync(b);
        string Id(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        HttpRequestMessage NewRun(int model, int dataset) => new(HttpMethod.Post, "/api/runs")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { modelId = model, datasetId = dataset }),
        };
        var pairs = new (HttpClient Client, Func<int, HttpRequestMessage> Request, int PrivateId)[]
        {
            (api, id => NewRun(id, demo.DatasetId), items.Model),
            (api, id => NewRun(demo.ModelId, id), items.Dataset),
            (cookie, id => new(HttpMethod.Get, $"/runs/new?model={Id(id)}"), items.Model),
            (cookie, id => new(HttpMethod.Get, $"/runs/new?dataset={Id(id)}"), items.Dataset),
        };
        foreach (var (client, request, privateId) in pairs)
        {
            var probe = request(privateId);
            var mine = await AnswerAsync(client, probe);
            var absent = (await AnswerAsync(client, request(Missing))).Replace(MissingText, Id(privateId));
            Assert.True(absent == mine, $"{probe.Method} {probe.RequestUri} with id {privateId} answers\n{mine}\nbut a missing id answers\n{absent}");
            Assert.DoesNotContain("A's", Decoded(mine));
        }
    }

    [Fact]
    public async Task The_leaderboard_of_a_private_dataset_appears_only_once_a_run_is_published_to_it()
    {
        var items = await app.TeamWithPrivateItemsAsync();
        var anonymous = app.CreateClient();
        var url = $"/leaderboards/{items.Dataset}/test/resize224.json";
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Null(await app.Get<RunService>().PublishAsync(items.A, items.Run, true));
        var board = await anonymous.GetStringAsync(url);
        Assert.Contains("\"dataset\": \"A's data\"", board.Replace("\\u0027", "'"));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/leaderboards/{items.Dataset}/anything/resize224.json")).StatusCode);
        Assert.Null(await app.Get<RunService>().PublishAsync(items.A, items.Run, false));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task The_models_list_counts_only_the_runs_the_visitor_may_see()
    {
        var demo = await app.DemoRunAsync();
        var a = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        var privateRun = (await runs.CreateAsync(a, new RunRequest { ModelId = demo.ModelId, DatasetId = demo.DatasetId, Window = 1 })).RunId!.Value;
        await app.WaitForRunAsync(privateRun);
        var models = app.Get<ModelService>();
        int Count(List<ModelListItem> list) => list.Single(m => m.Id == demo.ModelId).Runs;
        int forA = Count(await models.ListAsync(a));
        int forAnyone = Count(await models.ListAsync(InfoCamWeb.Data.Actor.Anonymous));
        Assert.Equal(forAnyone + 1, forA);
        Assert.Equal((await runs.ListAsync(InfoCamWeb.Data.Actor.Anonymous)).Count(r => r.ModelId == demo.ModelId), forAnyone);
    }

    [Fact]
    public async Task A_dataset_page_shows_its_folder_relative_to_the_storage_and_only_to_members()
    {
        var items = await app.TeamWithPrivateItemsAsync();
        var member = await (await app.SignedInClientAsync(items.A)).GetStringAsync($"/datasets/{items.Dataset}");
        var folder = Regex.Match(member, "id=\"dataset-folder\"[^>]*>([^<]*)<").Groups[1].Value;
        Assert.StartsWith("data/datasets/", folder);
        Assert.DoesNotContain(app.Root, member);

        var demoId = (await app.DemoRunAsync()).DatasetId;
        var visitor = await app.CreateClient().GetStringAsync($"/datasets/{demoId}");
        Assert.DoesNotContain("dataset-folder", visitor);
        Assert.DoesNotContain(WebAppFixture.RepoRoot, visitor);
        var demo = await app.Get<DatasetService>().GetAsync(InfoCamWeb.Data.Actor.Anonymous, demoId);
        Assert.Equal("datasets/demo-cub", app.Get<DatasetService>().DisplayFolder(demo!));
    }
}
