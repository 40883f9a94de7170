namespace InfoCamWeb.Core.Evaluation;

/// <summary>Stores the raw score maps of an image (float32 at feature resolution, a few KB per image).</summary>
public static class ScoreMapCodec
{
    public static byte[] Encode(IReadOnlyList<RawScoreMap> maps)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)1);
            w.Write(maps.Count);
            foreach (var m in maps)
            {
                w.Write(m.Height);
                w.Write(m.Width);
                foreach (var v in m.Values) w.Write(v);
            }
        }
        return ms.ToArray();
    }

    public static RawScoreMap[] Decode(byte[] data)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        if (r.ReadByte() != 1) throw new InvalidDataException("Unknown score map encoding.");
        var maps = new RawScoreMap[r.ReadInt32()];
        for (int i = 0; i < maps.Length; i++)
        {
            int h = r.ReadInt32(), w = r.ReadInt32();
            if (h <= 0 || w <= 0 || (long)h * w > 1 << 24) throw new InvalidDataException("Bad score map size.");
            var values = new float[h * w];
            for (int k = 0; k < values.Length; k++) values[k] = r.ReadSingle();
            maps[i] = new RawScoreMap(h, w, values);
        }
        return maps;
    }
}
