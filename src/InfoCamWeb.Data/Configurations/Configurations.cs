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
    }
}

internal sealed class DatasetRecordConfiguration : IEntityTypeConfiguration<DatasetRecord>
{
    public void Configure(EntityTypeBuilder<DatasetRecord> b)
    {
        b.ToTable("Datasets");
        b.Property(d => d.Name).HasMaxLength(200);
        b.Property(d => d.Description).HasMaxLength(4000);
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
        b.HasIndex(r => new { r.Status, r.QueuedAt });
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
    }
}
