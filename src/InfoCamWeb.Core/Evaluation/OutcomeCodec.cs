using System.Text;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>A compact binary form of <see cref="ImageOutcome"/>, for storing a run's per-image results.</summary>
public static class OutcomeCodec
{
    /// <summary>
    /// 2 appends the top classes, 3 each method's pointing-game hit and energy share, 4 each method's PxAP histograms
    /// (mask datasets; 7-bit encoded counts, length 0 for boxes); outcomes stored as versions 1 to 3 still decode
    /// (without them: no top classes, no pointing hit, energy share NaN, no histograms).
    /// </summary>
    private const byte Version = 4;

    public static byte[] Encode(ImageOutcome o)
    {
        using var ms = new MemoryStream(64 + o.Methods.Sum(m => m.Hits.Length + 24));
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write(o.Index);
            w.Write(o.ImageId);
            w.Write(o.TrueClass);
            w.Write(o.PredictedClass);
            w.Write(o.Top5);
            w.Write(o.CrossEntropy);
            w.Write(o.PcLogRatio);
            w.Write(o.TruthBoxes.Length);
            foreach (var b in o.TruthBoxes) Write(w, b);
            w.Write(o.Methods.Length);
            foreach (var m in o.Methods)
            {
                w.Write(m.Hits.Length);
                w.Write(m.Hits);
                Write(w, m.FixedBox);
                w.Write(m.FixedIoU);
            }
            w.Write((byte)o.TopClasses.Length);
            foreach (var t in o.TopClasses)
            {
                w.Write(t.Class);
                w.Write(t.Probability);
            }
            foreach (var m in o.Methods)
            {
                w.Write(m.PointingHit);
                w.Write(m.EnergyShare);
            }
            foreach (var m in o.Methods)
            {
                WriteCounts(w, m.ObjectHistogram);
                WriteCounts(w, m.BackgroundHistogram);
            }
        }
        return ms.ToArray();
    }

    public static ImageOutcome Decode(byte[] data)
    {
        using var r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        byte version = r.ReadByte();
        if (version is < 1 or > Version)
        {
            throw new InvalidDataException("Unknown outcome encoding version.");
        }
        int index = r.ReadInt32();
        string id = r.ReadString();
        int y = r.ReadInt32(), pred = r.ReadInt32();
        bool top5 = r.ReadBoolean();
        double ce = r.ReadDouble(), pc = r.ReadDouble();
        var truth = new Box[r.ReadInt32()];
        for (int i = 0; i < truth.Length; i++) truth[i] = ReadBox(r);
        var methods = new MapOutcome[r.ReadInt32()];
        for (int m = 0; m < methods.Length; m++)
        {
            var hits = r.ReadBytes(r.ReadInt32());
            var box = ReadBox(r);
            methods[m] = new MapOutcome(hits, box, r.ReadDouble());
        }
        var top = new ClassScore[version >= 2 ? r.ReadByte() : 0];
        for (int t = 0; t < top.Length; t++) top[t] = new ClassScore(r.ReadInt32(), r.ReadDouble());
        for (int m = 0; m < methods.Length; m++)
        {
            methods[m] = version >= 3
                ? methods[m] with { PointingHit = r.ReadBoolean(), EnergyShare = r.ReadDouble() }
                : methods[m] with { EnergyShare = double.NaN };
        }
        for (int m = 0; version >= 4 && m < methods.Length; m++)
        {
            methods[m] = methods[m] with { ObjectHistogram = ReadCounts(r), BackgroundHistogram = ReadCounts(r) };
        }
        return new ImageOutcome(index, id, y, pred, top5, ce, pc, truth, methods) { TopClasses = top };
    }

    private static void WriteCounts(BinaryWriter w, int[]? counts)
    {
        w.Write7BitEncodedInt(counts?.Length ?? 0);
        foreach (var c in counts ?? []) w.Write7BitEncodedInt(c);
    }

    private static int[]? ReadCounts(BinaryReader r)
    {
        int n = r.Read7BitEncodedInt();
        if (n == 0) return null;
        var counts = new int[n];
        for (int i = 0; i < n; i++) counts[i] = r.Read7BitEncodedInt();
        return counts;
    }

    private static void Write(BinaryWriter w, Box b)
    {
        w.Write(b.X0);
        w.Write(b.Y0);
        w.Write(b.X1);
        w.Write(b.Y1);
    }

    private static Box ReadBox(BinaryReader r) => new(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
}
