using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InfoCamWeb.Web.Tests;

/// <summary>
/// The real app through WebApplicationFactory: a temporary SQLite file and data folder, the demo from the repository's
/// datasets/, and the real worker process (infocam worker) started and supervised by the app.
/// </summary>
public sealed class WebAppFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "infocam-web-" + Guid.NewGuid().ToString("N"));

    public static string RepoRoot { get; } = FindRepoRoot();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoRoot);
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["InfoCam:DataFolder"] = Path.Combine(Root, "data"),
            ["InfoCam:Database"] = Path.Combine(Root, "data", "infocam.db"),
            ["InfoCam:JobsDatabase"] = Path.Combine(Root, "data", "jobs.db"),
            ["InfoCam:Worker:RestartDelaySeconds"] = "0",
            ["InfoCam:DatabaseBusyTimeoutSeconds"] = "3",
            // Short limits so the hostile-model tests end quickly; a demo batch takes well under a second.
            ["InfoCam:Worker:StallSeconds"] = StallSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["InfoCam:Worker:MaxWorkerEnds"] = MaxWorkerEnds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["InfoCam:Worker:InspectTimeoutSeconds"] = "20",
            ["InfoCam:Uploads:StallSeconds"] = "2",
            // The demo split's 160 images in 4 shards, so every run here goes through sharding, resuming and finalizing.
            ["InfoCam:Shards:Size"] = ShardSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Every test client signs in from the same (unknown) address; the E2E WebSecurityTests try the limit.
            ["InfoCam:Security:SignInAttemptsPerAddress"] = "100000",
        }));
    }

    public const int StallSeconds = 20;
    public const int MaxWorkerEnds = 2;
    public const int ShardSize = 40;

    public IDbContextFactory<InfoCamDbContext> Db => Services.GetRequiredService<IDbContextFactory<InfoCamDbContext>>();

    public const string Password = "correct horse battery";

    /// <summary>Registers a user who owns a new team (named after them) and returns them as an actor.</summary>
    public async Task<Actor> NewTeamMemberAsync(string? name = null)
    {
        name ??= "user" + Guid.NewGuid().ToString("N")[..8];
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
        var user = new AppUser { UserName = $"{name}@example.org", Email = $"{name}@example.org", DisplayName = name };
        var created = await users.CreateAsync(user, Password);
        if (!created.Succeeded) throw new InvalidOperationException(string.Join(" ", created.Errors.Select(e => e.Description)));
        var teams = Get<InfoCamWeb.Web.Features.Teams.TeamService>();
        var (_, error) = await teams.CreateAsync(await ActorAsync(user.Id), "team " + name);
        if (error is not null) throw new InvalidOperationException(error);
        return await ActorAsync(user.Id);
    }

    public async Task<Actor> ActorAsync(string userId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await Actor.LoadAsync(db, userId);
    }

    public async Task<string> EmailOfAsync(Actor actor)
    {
        await using var db = await Db.CreateDbContextAsync();
        return (await db.Users.FirstAsync(u => u.Id == actor.UserId)).Email!;
    }

    /// <summary>An HTTP client signed in through the real login form (antiforgery token included).</summary>
    public async Task<HttpClient> SignedInClientAsync(Actor actor)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await client.GetStringAsync("/account/login");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "login",
            ["Input.Email"] = await EmailOfAsync(actor),
            ["Input.Password"] = Password,
        }));
        if (response.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Login failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return client;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A new team with a private model, dataset (uploaded as a zip) and finished run.</summary>
    public async Task<PrivateItems> TeamWithPrivateItemsAsync()
    {
        var a = await NewTeamMemberAsync();
        int model;
        await using (var file = File.OpenRead(Path.Combine(RepoRoot, "datasets", "demo-model", "demo-cnn.onnx")))
        {
            model = (await Get<InfoCamWeb.Web.Features.Models.ModelService>().UploadAsync(a, file, "a.onnx", "A's model", "", 1L << 30)).ModelId!.Value;
        }
        var zip = Path.Combine(Root, $"a-{Guid.NewGuid():N}.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(Path.Combine(RepoRoot, "datasets", "demo-cub"), zip, System.IO.Compression.CompressionLevel.Fastest, true);
        int dataset;
        await using (var s = File.OpenRead(zip))
        {
            dataset = (await Get<InfoCamWeb.Web.Features.Datasets.DatasetService>().UploadArchiveAsync(a, s, "a.zip", "A's data", "", 1L << 30)).DatasetId!.Value;
        }
        var run = (await Get<InfoCamWeb.Web.Features.Runs.RunService>().CreateAsync(a, new InfoCamWeb.Web.Features.Runs.RunRequest { ModelId = model, DatasetId = dataset })).RunId!.Value;
        await WaitForRunAsync(run);
        return new PrivateItems(a, model, dataset, run);
    }

    /// <summary>The demo run queued at first start (the first run), once it has finished.</summary>
    public async Task<RunRecord> DemoRunAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        var first = await db.Runs.OrderBy(r => r.Id).FirstAsync();
        return await WaitForRunAsync(first.Id);
    }

    /// <summary>Waits until the run reaches a final state (or the condition holds), reading the database.</summary>
    public async Task<RunRecord> WaitForRunAsync(int id, Func<RunRecord, bool>? until = null, int seconds = 180)
    {
        until ??= r => r.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var db = await Db.CreateDbContextAsync())
            {
                var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id);
                if (run is not null && until(run)) return run;
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Run {id} did not get there in {seconds} s (status {run?.Status}, {run?.ImagesDone}/{run?.ImagesTotal}, error {run?.Error}).");
                }
            }
            await Task.Delay(100);
        }
    }

    public Task InitializeAsync()
    {
        _ = Server; // start the host: migrations, demo registration, worker
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InfoCamWeb.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("InfoCamWeb.sln not found above the test binaries.");
    }
}

/// <summary>Team A's private items, for the tests that try them as someone else.</summary>
public sealed record PrivateItems(Actor A, int Model, int Dataset, int Run);

[CollectionDefinition(Name)]
public sealed class WebAppCollection : ICollectionFixture<WebAppFixture>
{
    public const string Name = "web app";
}
