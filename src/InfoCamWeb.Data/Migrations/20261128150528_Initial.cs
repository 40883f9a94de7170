using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Datasets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Owner = table.Column<string>(type: "TEXT", nullable: false),
                    IsDemo = table.Column<bool>(type: "INTEGER", nullable: false),
                    Folder = table.Column<string>(type: "TEXT", nullable: false),
                    Source = table.Column<string>(type: "TEXT", nullable: false),
                    Layout = table.Column<string>(type: "TEXT", nullable: false),
                    Images = table.Column<int>(type: "INTEGER", nullable: false),
                    Classes = table.Column<int>(type: "INTEGER", nullable: false),
                    TestImages = table.Column<int>(type: "INTEGER", nullable: false),
                    TrainImages = table.Column<int>(type: "INTEGER", nullable: false),
                    Boxes = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Datasets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Models",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Owner = table.Column<string>(type: "TEXT", nullable: false),
                    IsDemo = table.Column<bool>(type: "INTEGER", nullable: false),
                    StoredPath = table.Column<string>(type: "TEXT", nullable: false),
                    OriginalFileName = table.Column<string>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    UploadedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Producer = table.Column<string>(type: "TEXT", nullable: false),
                    Opset = table.Column<long>(type: "INTEGER", nullable: false),
                    InputName = table.Column<string>(type: "TEXT", nullable: false),
                    InputShape = table.Column<string>(type: "TEXT", nullable: false),
                    DynamicBatch = table.Column<bool>(type: "INTEGER", nullable: false),
                    HeadPattern = table.Column<string>(type: "TEXT", nullable: false),
                    FeatureTensor = table.Column<string>(type: "TEXT", nullable: false),
                    FeatureShape = table.Column<string>(type: "TEXT", nullable: false),
                    WeightSource = table.Column<string>(type: "TEXT", nullable: false),
                    Classes = table.Column<int>(type: "INTEGER", nullable: false),
                    Channels = table.Column<int>(type: "INTEGER", nullable: false),
                    InputSize = table.Column<int>(type: "INTEGER", nullable: false),
                    InputSizeFixed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Mean = table.Column<string>(type: "TEXT", nullable: false),
                    Std = table.Column<string>(type: "TEXT", nullable: false),
                    Bgr = table.Column<bool>(type: "INTEGER", nullable: false),
                    FeatureOverride = table.Column<string>(type: "TEXT", nullable: true),
                    WeightOverride = table.Column<string>(type: "TEXT", nullable: true),
                    BiasOverride = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Models", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Runs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ModelId = table.Column<int>(type: "INTEGER", nullable: false),
                    DatasetId = table.Column<int>(type: "INTEGER", nullable: false),
                    Owner = table.Column<string>(type: "TEXT", nullable: false),
                    Split = table.Column<string>(type: "TEXT", nullable: false),
                    Methods = table.Column<string>(type: "TEXT", nullable: false),
                    Protocol = table.Column<string>(type: "TEXT", nullable: false),
                    CamThreshold = table.Column<double>(type: "REAL", nullable: false),
                    ThresholdStep = table.Column<double>(type: "REAL", nullable: false),
                    Window = table.Column<int>(type: "INTEGER", nullable: false),
                    BatchSize = table.Column<int>(type: "INTEGER", nullable: false),
                    ProviderRequested = table.Column<string>(type: "TEXT", nullable: false),
                    Device = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CancelRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    QueuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    HeartbeatAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ImagesDone = table.Column<int>(type: "INTEGER", nullable: false),
                    ImagesTotal = table.Column<int>(type: "INTEGER", nullable: false),
                    ImagesPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    ProviderUsed = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    JobId = table.Column<string>(type: "TEXT", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    RunningMetrics = table.Column<string>(type: "TEXT", nullable: true),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Runs_Datasets_DatasetId",
                        column: x => x.DatasetId,
                        principalTable: "Datasets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Runs_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RunImages",
                columns: table => new
                {
                    RunId = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    ImageId = table.Column<string>(type: "TEXT", nullable: false),
                    TrueClass = table.Column<int>(type: "INTEGER", nullable: false),
                    PredictedClass = table.Column<int>(type: "INTEGER", nullable: false),
                    IoU0 = table.Column<double>(type: "REAL", nullable: false),
                    IoU1 = table.Column<double>(type: "REAL", nullable: false),
                    IoU2 = table.Column<double>(type: "REAL", nullable: false),
                    Outcome = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunImages", x => new { x.RunId, x.Index });
                    table.ForeignKey(
                        name: "FK_RunImages_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Models_Sha256",
                table: "Models",
                column: "Sha256");

            migrationBuilder.CreateIndex(
                name: "IX_Runs_DatasetId",
                table: "Runs",
                column: "DatasetId");

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ModelId",
                table: "Runs",
                column: "ModelId");

            migrationBuilder.CreateIndex(
                name: "IX_Runs_Status_QueuedAt",
                table: "Runs",
                columns: new[] { "Status", "QueuedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunImages");

            migrationBuilder.DropTable(
                name: "Runs");

            migrationBuilder.DropTable(
                name: "Datasets");

            migrationBuilder.DropTable(
                name: "Models");
        }
    }
}
