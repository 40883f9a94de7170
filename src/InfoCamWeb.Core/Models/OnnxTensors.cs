using System.Buffers.Binary;
using Onnx;

namespace InfoCamWeb.Core.Models;

internal static class OnnxTensors
{
    public const int Float = 1;
    public const int Double = 11;

    public static long[] Dims(TensorProto t) => t.Dims.ToArray();

    /// <summary>The float values of an initializer (FLOAT or DOUBLE, raw or typed storage).</summary>
    public static float[] ReadFloats(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new ModelException($"{what} '{t.Name}' keeps its data in an external file; only single-file models are accepted.");
        }
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) throw new ModelException($"{what} '{t.Name}' has a negative dimension.");
            count *= d;
        }
        if (count > 1L << 30)
        {
            throw new ModelException($"{what} '{t.Name}' is too large ({count} values).");
        }
        var result = new float[count];
        switch (t.DataType)
        {
            case Float:
                if (!t.RawData.IsEmpty)
                {
                    var raw = t.RawData.Span;
                    if (raw.Length != count * 4) throw new ModelException($"{what} '{t.Name}' holds {raw.Length} bytes, expected {count * 4}.");
                    for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4));
                }
                else
                {
                    if (t.FloatData.Count != count) throw new ModelException($"{what} '{t.Name}' holds {t.FloatData.Count} values, expected {count}.");
                    t.FloatData.CopyTo(result, 0);
                }
                break;
            case Double:
                if (!t.RawData.IsEmpty)
                {
                    var raw = t.RawData.Span;
                    if (raw.Length != count * 8) throw new ModelException($"{what} '{t.Name}' holds {raw.Length} bytes, expected {count * 8}.");
                    for (int i = 0; i < count; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(i * 8, 8));
                }
                else
                {
                    if (t.DoubleData.Count != count) throw new ModelException($"{what} '{t.Name}' holds {t.DoubleData.Count} values, expected {count}.");
                    for (int i = 0; i < count; i++) result[i] = (float)t.DoubleData[i];
                }
                break;
            default:
                throw new ModelException($"{what} '{t.Name}' has element type {t.DataType}; float32 or float64 weights are expected.");
        }
        return result;
    }

    public static long[] ReadInts(TensorProto t)
    {
        if (t.DataType == 7) // INT64
        {
            if (!t.RawData.IsEmpty)
            {
                var raw = t.RawData.Span;
                var r = new long[raw.Length / 8];
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * 8, 8));
                return r;
            }
            return t.Int64Data.ToArray();
        }
        if (t.DataType == 6) // INT32
        {
            if (!t.RawData.IsEmpty)
            {
                var raw = t.RawData.Span;
                var r = new long[raw.Length / 4];
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * 4, 4));
                return r;
            }
            return t.Int32Data.Select(v => (long)v).ToArray();
        }
        return [];
    }

    public static float[] Transpose(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
