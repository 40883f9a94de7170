using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace InfoCamWeb.Data.Configurations;

internal sealed class ModelRecordConfiguration : IEntityTypeConfiguration<ModelRecord>
{
    public void Configure(EntityTypeBuilder<ModelRecord> b)
    {
        b.ToTable("Models");
        b.Property(m => m.Name).HasMaxLength(200);
        b.Property(m => m.Description).HasMaxLength(4000);
        b.Property(m => m.Sha256).HasMaxLength(64);
        b.HasIndex(m => m.Sha256);
        b.HasOne(m => m.Team).WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DatasetRecordConfiguration : IEntityTypeConfiguration<DatasetRecord>
{
    public void Configure(EntityTypeBuilder<DatasetRecord> b)
    {
        b.ToTable("Datasets");
        b.Property(d => d.Name).HasMaxLength(200);
        b.Property(d => d.Description).HasMaxLength(4000);
        b.HasOne(d => d.Team).WithMany().HasForeignKey(d => d.TeamId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RunRecordConfiguration : IEntityTypeConfiguration<RunRecord>
{
    public void Configure(EntityTypeBuilder<RunRecord> b)
    {
        b.ToTable("Runs");
        b.HasOne(r => r.Model).WithMany(m => m.Runs).HasForeignKey(r => r.ModelId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(r => r.Dataset).WithMany(d => d.Runs).HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Restrict);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(r => r.EngineVersion).HasMaxLength(100);
        b.HasIndex(r => new { r.Status, r.QueuedAt });
        b.HasOne(r => r.Team).WithMany().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Restrict);
        b.Ignore(r => r.IsActive);
    }
}

internal sealed class RunImageRecordConfiguration : IEntityTypeConfiguration<RunImageRecord>
{
    public void Configure(EntityTypeBuilder<RunImageRecord> b)
    {
        b.ToTable("RunImages");
        b.HasKey(i => new { i.RunId, i.Index });
        b.HasOne<RunRecord>().WithMany().HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
        // The image browser's class filter: without it a 50,000-image run's rows (blobs and all) are scanned, 0.8 s.
        b.HasIndex(i => new { i.RunId, i.TrueClass });
    }
}

internal sealed class RunImageMethodRecordConfiguration : IEntityTypeConfiguration<RunImageMethodRecord>
{
    public void Configure(EntityTypeBuilder<RunImageMethodRecord> b)
    {
        b.ToTable("RunImageMethods");
        b.HasKey(m => new { m.RunId, m.Index, m.Method });
        b.HasOne<RunImageRecord>().WithMany().HasForeignKey(m => new { m.RunId, m.Index }).OnDelete(DeleteBehavior.Cascade);
        // The image browser's order: one method's IoUs of one run.
        b.HasIndex(m => new { m.RunId, m.Method, m.FixedIoU });
    }
}

internal sealed class RunShardRecordConfiguration : IEntityTypeConfiguration<RunShardRecord>
{
    public void Configure(EntityTypeBuilder<RunShardRecord> b)
    {
        b.ToTable("RunShards");
        b.HasKey(s => new { s.RunId, s.Index });
        b.HasOne<RunRecord>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        b.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        b.Property(s => s.WorkerName).HasMaxLength(200);
        b.HasIndex(s => new { s.State, s.RunId });
        b.Ignore(s => s.Length);
    }
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.ToTable("Teams");
        b.Property(t => t.Name).HasMaxLength(100);
        b.HasIndex(t => t.Name).IsUnique();
        b.Property(t => t.InviteCode).HasMaxLength(64);
        b.HasIndex(t => t.InviteCode).IsUnique();
    }
}

internal sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> b)
    {
        b.ToTable("TeamMembers");
        b.HasKey(m => new { m.TeamId, m.UserId });
        b.HasOne(m => m.Team).WithMany(t => t.Members).HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class ShareLinkConfiguration : IEntityTypeConfiguration<ShareLink>
{
    public void Configure(EntityTypeBuilder<ShareLink> b)
    {
        b.ToTable("ShareLinks");
        b.HasIndex(l => l.TokenHash).IsUnique();
        b.HasOne(l => l.Run).WithMany().HasForeignKey(l => l.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WorkerRecordConfiguration : IEntityTypeConfiguration<WorkerRecord>
{
    public void Configure(EntityTypeBuilder<WorkerRecord> b)
    {
        b.ToTable("Workers");
        b.HasKey(w => w.Name);
        b.Property(w => w.Name).HasMaxLength(200);
        b.Property(w => w.Machine).HasMaxLength(200);
        b.Property(w => w.Device).HasMaxLength(32);
        b.Property(w => w.State).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.ToTable("ApiTokens");
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasOne<AppUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Property(t => t.Name).HasMaxLength(100);
    }
}

internal sealed class BenchmarkConfiguration : IEntityTypeConfiguration<Benchmark>
{
    public void Configure(EntityTypeBuilder<Benchmark> b)
    {
        b.ToTable("Benchmarks");
        b.Property(x => x.Title).HasMaxLength(200);
        b.Property(x => x.Description).HasMaxLength(20000);
        b.Property(x => x.Split).HasMaxLength(16);
        b.Property(x => x.Protocol).HasMaxLength(32);
        b.Property(x => x.Methods).HasMaxLength(400);
        b.Property(x => x.RankingMetric).HasMaxLength(32);
        b.HasOne(x => x.Dataset).WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.HostTeam).WithMany().HasForeignKey(x => x.HostTeamId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Phases).WithOne(p => p.Benchmark).HasForeignKey(p => p.BenchmarkId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BenchmarkPhaseConfiguration : IEntityTypeConfiguration<BenchmarkPhase>
{
    public void Configure(EntityTypeBuilder<BenchmarkPhase> b)
    {
        b.ToTable("BenchmarkPhases");
        b.Property(x => x.Name).HasMaxLength(100);
        b.Property(x => x.Visibility).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Rule).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class SubmissionConfiguration : IEntityTypeConfiguration<Submission>
{
    public void Configure(EntityTypeBuilder<Submission> b)
    {
        b.ToTable("Submissions");
        b.Property(x => x.ModelSha256).HasMaxLength(64);
        b.Property(x => x.Refusal).HasMaxLength(4000);
        b.HasOne(x => x.Phase).WithMany().HasForeignKey(x => x.PhaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(x => x.Team).WithMany().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Model).WithMany().HasForeignKey(x => x.ModelId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne(x => x.Run).WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(x => new { x.PhaseId, x.TeamId, x.CreatedAt });
    }
}
