using System.Net;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using InfoCamWeb.Web.Features.Runs;
using InfoCamWeb.Web.Features.Teams;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Web.Tests.Features;

/// <summary>A member of team B can neither read nor act on team A's private items, through services or HTTP.</summary>
[Collection(WebAppCollection.Name)]
public class AuthorizationTests(WebAppFixture app)
{
    private Task<PrivateItems> TeamAWithPrivateItemsAsync() => app.TeamWithPrivateItemsAsync();

    [Fact]
    public async Task Team_b_cannot_read_or_change_team_a_items_through_the_services()
    {
        var items = await TeamAWithPrivateItemsAsync();
        var b = await app.NewTeamMemberAsync();
        var models = app.Get<ModelService>();
        var datasets = app.Get<DatasetService>();
        var runs = app.Get<RunService>();

        // Team A sees its items.
        Assert.NotNull(await models.GetAsync(items.A, items.Model));
        Assert.NotNull(await runs.GetAsync(items.A, items.Run));

        // Read
        Assert.Null(await models.GetAsync(b, items.Model));
        Assert.Null(await datasets.GetAsync(b, items.Dataset));
        Assert.Null(await runs.GetAsync(b, items.Run));
        Assert.DoesNotContain(await models.ListAsync(b), m => m.Id == items.Model);
        Assert.DoesNotContain(await datasets.ListAsync(b), d => d.Id == items.Dataset);
        Assert.DoesNotContain(await runs.ListAsync(b), r => r.Id == items.Run);
        Assert.Null(await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().QueryAsync(b, items.Run, new()));

        // Run with A's model or dataset
        Assert.Equal("Choose a model.", (await runs.CreateAsync(b, new RunRequest { ModelId = items.Model, DatasetId = items.Dataset })).Error);
        var demoModel = (await models.ListAsync(b)).First(m => m.IsDemo).Id;
        Assert.Equal("Choose a dataset.", (await runs.CreateAsync(b, new RunRequest { ModelId = demoModel, DatasetId = items.Dataset })).Error);

        // Change, cancel, delete
        Assert.NotNull(await models.UpdatePreprocessingAsync(b, items.Model, 224, "0,0,0", "1,1,1", false));
        Assert.NotNull(await models.RenameAsync(b, items.Model, "mine now", ""));
        Assert.NotNull(await models.DeleteAsync(b, items.Model));
        Assert.NotNull(await datasets.RenameAsync(b, items.Dataset, "mine now", ""));
        Assert.NotNull(await datasets.DeleteAsync(b, items.Dataset));
        Assert.NotNull(await runs.CancelAsync(b, items.Run));

        // Nothing changed.
        var model = await models.GetAsync(items.A, items.Model);
        Assert.Equal("A's model", model!.Name);
        Assert.Equal("0.485,0.456,0.406", model.Mean);
        Assert.Equal("A's data", (await datasets.GetAsync(items.A, items.Dataset))!.Name);
    }

    [Fact]
    public async Task Team_b_and_anonymous_visitors_get_not_found_for_team_a_pages_downloads_and_images()
    {
        var items = await TeamAWithPrivateItemsAsync();
        var b = await app.NewTeamMemberAsync();
        var clientB = await app.SignedInClientAsync(b);
        var anonymous = app.CreateClient();
        var clientA = await app.SignedInClientAsync(items.A);
        string[] urls =
        [
            $"/runs/{items.Run}/result.json",
            $"/runs/{items.Run}/images.csv",
            $"/runs/{items.Run}/images/0/cam.jpg",
            $"/runs/{items.Run}/images/0/photo.jpg",
            $"/datasets/{items.Dataset}/images/0.png",
        ];
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
        }
        var page = await clientB.GetStringAsync($"/models/{items.Model}");
        Assert.Contains($"Model #{items.Model} does not exist.", page);
        Assert.DoesNotContain("A&#x27;s model", page);
        Assert.Contains($"Run #{items.Run} does not exist.", await clientB.GetStringAsync($"/runs/{items.Run}"));
        // The image detail view: the owner's team sees the image and its top classes; others learn nothing of it.
        var detail = await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().DetailAsync(items.A, items.Run, 0);
        Assert.NotNull(detail);
        Assert.Null(await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().DetailAsync(b, items.Run, 0));
        Assert.Null(await app.Get<InfoCamWeb.Web.Features.Images.ImageBrowserService>().DetailAsync(InfoCamWeb.Data.Actor.Anonymous, items.Run, 0));
        foreach (var client in new[] { clientB, anonymous })
        {
            var html = await client.GetStringAsync($"/runs/{items.Run}/images/0");
            Assert.Contains("image-missing", html);
            Assert.DoesNotContain("id=\"image-id\"", html);
            Assert.DoesNotContain("top-classes", html);
        }
        var own = await clientA.GetStringAsync($"/runs/{items.Run}/images/0");
        Assert.Contains($"id=\"image-id\">{detail!.ImageId}<", own);
        Assert.Contains("top-classes", own);
    }

    [Fact]
    public async Task The_baselines_demo_is_visible_to_everyone_but_changeable_by_no_team()
    {
        var b = await app.NewTeamMemberAsync();
        var demo = (await app.Get<ModelService>().ListAsync(InfoCamWeb.Data.Actor.Anonymous)).Single(m => m.IsDemo);
        Assert.Equal("Baselines", demo.Team);
        Assert.NotNull(await app.Get<ModelService>().GetAsync(b, demo.Id));
        Assert.NotNull(await app.Get<ModelService>().RenameAsync(b, demo.Id, "x", ""));
        Assert.NotNull(await app.Get<ModelService>().DeleteAsync(b, demo.Id));
    }

    [Fact]
    public async Task Only_owners_remove_members_and_an_invite_code_is_needed_to_join()
    {
        var owner = await app.NewTeamMemberAsync();
        var other = await app.NewTeamMemberAsync();
        var teams = app.Get<TeamService>();
        var ownerTeam = (await teams.MineAsync(owner)).Single();
        Assert.Equal("This invite code is not valid (it may have been replaced).", (await teams.JoinAsync(other, "0123456789abcdef01234567")).Error);
        Assert.Null((await teams.JoinAsync(other, ownerTeam.InviteCode!)).Error);
        other = await app.ActorAsync(other.UserId!);
        Assert.True(other.IsMember(ownerTeam.Id));
        Assert.Equal(ownerTeam.Id, other.ActiveTeamId);
        // A member cannot remove the owner, nor see the invite code; the owner can remove the member.
        Assert.Equal("Only the team's owner can remove members.", await teams.RemoveMemberAsync(other, ownerTeam.Id, owner.UserId!));
        Assert.Null((await teams.MineAsync(other)).Single(t => t.Id == ownerTeam.Id).InviteCode is null ? null : "code visible");
        Assert.Null(await teams.RemoveMemberAsync(owner, ownerTeam.Id, other.UserId!));
        Assert.False((await app.ActorAsync(other.UserId!)).IsMember(ownerTeam.Id));
        // A replaced code stops working.
        Assert.Null(await teams.NewInviteCodeAsync(owner, ownerTeam.Id));
        Assert.NotNull((await teams.JoinAsync(other, ownerTeam.InviteCode!)).Error);
    }
}

[Collection(WebAppCollection.Name)]
public class DeletionTests(WebAppFixture app)
{
    [Fact]
    public async Task A_member_deletes_a_finished_run_but_not_another_teams_and_items_in_use_stay()
    {
        var demo = await app.DemoRunAsync();
        var a = await app.NewTeamMemberAsync();
        var b = await app.NewTeamMemberAsync();
        var runs = app.Get<RunService>();
        int modelId;
        await using (var file = File.OpenRead(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx")))
        {
            modelId = (await app.Get<ModelService>().UploadAsync(a, file, "m.onnx", "m", "", 1L << 30)).ModelId!.Value;
        }
        var run = (await runs.CreateAsync(a, new RunRequest { ModelId = modelId, DatasetId = demo.DatasetId })).RunId!.Value;
        await app.WaitForRunAsync(run);
        Assert.Equal("Runs use this model; it cannot be deleted.", await app.Get<ModelService>().DeleteAsync(a, modelId));
        Assert.NotNull(await runs.DeleteAsync(b, run));
        Assert.Null(await runs.DeleteAsync(a, run));
        Assert.Null(await runs.GetAsync(a, run));
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.Equal(0, await db.RunImages.CountAsync(i => i.RunId == run));
        Assert.Null(await app.Get<ModelService>().DeleteAsync(a, modelId));
        Assert.Null(await app.Get<ModelService>().GetAsync(a, modelId));
    }

    [Fact]
    public async Task The_owner_renames_and_deletes_an_uploaded_dataset_and_its_files_go_with_it()
    {
        var a = await app.NewTeamMemberAsync();
        var datasets = app.Get<DatasetService>();
        var zip = Path.Combine(app.Root, "rename-" + Guid.NewGuid().ToString("N") + ".zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(Path.Combine(WebAppFixture.RepoRoot, "datasets", "demo-cub"), zip);
        int id;
        await using (var file = File.OpenRead(zip))
        {
            id = (await datasets.UploadArchiveAsync(a, file, "finches.zip", "", "", 1L << 30)).DatasetId!.Value;
        }
        Assert.Equal("A name has 1 to 200 characters.", await datasets.RenameAsync(a, id, "   ", ""));
        Assert.Null(await datasets.RenameAsync(a, id, "  Finches, renamed ", " described "));
        var renamed = await datasets.GetAsync(a, id);
        Assert.Equal(("Finches, renamed", "described"), (renamed!.Name, renamed.Description));
        var folder = app.Get<InfoCamWeb.Data.InfoCamPaths>().FromStored(renamed.Folder);
        Assert.True(Directory.Exists(folder));
        Assert.Null(await datasets.DeleteAsync(a, id));
        Assert.Null(await datasets.GetAsync(a, id));
        Assert.False(Directory.Exists(folder));
        Assert.Equal("The dataset does not exist or belongs to another team.", await datasets.DeleteAsync(a, id));
    }
}

[Collection(WebAppCollection.Name)]
public class LockedDatabaseTests(WebAppFixture app)
{
    [Fact]
    public async Task A_locked_database_delays_then_fails_the_action_cleanly_and_nothing_is_stored()
    {
        var actor = await app.NewTeamMemberAsync();
        var teams = app.Get<TeamService>();
        var path = app.Get<InfoCamWeb.Data.InfoCamPaths>().Database;
        string? error;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync();
            }
            (_, error) = await teams.CreateAsync(actor, "locked out");
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }
        Assert.Equal(InfoCamWeb.Data.InfoCamDbContext.BusyMessage, error);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), "the action should wait for the lock first");
        await using var db = await app.Db.CreateDbContextAsync();
        Assert.False(await db.Teams.AnyAsync(t => t.Name == "locked out"));
        Assert.Null((await teams.CreateAsync(actor, "locked out")).Error);
    }
}
