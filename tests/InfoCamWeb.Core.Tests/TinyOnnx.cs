using Google.Protobuf;
using Onnx;

namespace InfoCamWeb.Core.Tests;

/// <summary>Builds small ONNX models in memory for tests (a few KB each).</summary>
internal sealed class TinyOnnx
{
    private readonly GraphProto _graph = new() { Name = "tiny" };
    private readonly Random _rng;
    private int _counter;

    public TinyOnnx(int seed = 1, bool dynamicBatch = true, int size = 8, int channels = 3, int elemType = 1)
    {
        _rng = new Random(seed);
        var dims = new TensorShapeProto();
        dims.Dim.Add(dynamicBatch ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = 1 });
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = size });
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = size });
        _graph.Input.Add(new ValueInfoProto
        {
            Name = "x",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = dims } },
        });
    }

    public GraphProto Graph => _graph;

    public string Init(string name, long[] dims, float[]? values = null)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        values ??= Enumerable.Range(0, (int)n).Select(_ => (float)(_rng.NextDouble() * 2 - 1)).ToArray();
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        _graph.Initializer.Add(t);
        return name;
    }

    public string IntInit(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return name;
    }

    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes)
    {
        var output = $"{op.ToLowerInvariant()}_{_counter++}";
        var node = new NodeProto { OpType = op, Name = output + "_node" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            var a = new AttributeProto { Name = name };
            switch (value)
            {
                case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
                case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); break;
                case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
                case GraphProto g: a.Type = AttributeProto.Types.AttributeType.Graph; a.G = g; break;
                default: throw new ArgumentException(value.GetType().Name);
            }
            node.Attribute.Add(a);
        }
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Conv 3x3 (pad 1) with <paramref name="k"/> outputs, then Relu: the feature map.</summary>
    public string Backbone(int k = 4, int inChannels = 3)
    {
        var w = Init("conv_w", [k, inChannels, 3, 3]);
        var b = Init("conv_b", [k]);
        var conv = Node("Conv", ["x", w, b], ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        return Node("Relu", [conv]);
    }

    public byte[] Build(string output, int opset = 13, string? outputName = null)
    {
        if (outputName is not null)
        {
            var id = new NodeProto { OpType = "Identity", Name = "out_identity" };
            id.Input.Add(output);
            id.Output.Add(outputName);
            _graph.Node.Add(id);
            output = outputName;
        }
        _graph.Output.Add(new ValueInfoProto
        {
            Name = output,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } },
        });
        var model = new ModelProto { IrVersion = 7, Graph = _graph, ProducerName = "infocam-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    /// <summary>
    /// A GAP + linear classifier whose feature map passes through a <c>Loop</c> that runs <paramref name="tripCount"/>
    /// times when some input value exceeds <paramref name="threshold"/>, and not at all otherwise (the loop body is an
    /// identity, so the model classifies normally when it does not loop). With threshold 2.1 the random probe input
    /// (values in [-2, 2)) passes and any ImageNet-normalized image with a bright pixel loops: a model that hides an
    /// endless loop from the upload check.
    /// </summary>
    public static byte[] LoopingOnBrightInput(int classes = 8, int size = 64, float threshold = 2.1f, long tripCount = 1L << 31, int k = 4)
    {
        var m = new TinyOnnx(3, dynamicBatch: true, size);
        var thr = m.Init("thr", [], [threshold]);
        var big = m.IntInit("big", [tripCount]);
        m._graph.Initializer.Add(new TensorProto { Name = "cond", DataType = 9, Int32Data = { 1 } });
        var max = m.Node("ReduceMax", ["x"], ("keepdims", 0L));
        var bright = m.Node("Greater", [max, thr]);
        var asInt = m.Node("Cast", [bright], ("to", 7L));
        var tripTensor = m.Node("Mul", [asInt, big]);
        var trip = m.Node("ReduceMax", [tripTensor], ("keepdims", 0L));
        var w = m.Init("conv_w", [k, 3, 3, 3]);
        var b = m.Init("conv_b", [k]);
        var conv = m.Node("Conv", ["x", w, b], ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        var body = new GraphProto { Name = "body" };
        body.Input.Add(new ValueInfoProto { Name = "i", Type = Scalar(7) });
        body.Input.Add(new ValueInfoProto { Name = "c_in", Type = Scalar(9) });
        body.Input.Add(new ValueInfoProto { Name = "v_in", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        body.Node.Add(new NodeProto { OpType = "Identity", Name = "c", Input = { "c_in" }, Output = { "c_out" } });
        body.Node.Add(new NodeProto { OpType = "Identity", Name = "v", Input = { "v_in" }, Output = { "v_out" } });
        body.Output.Add(new ValueInfoProto { Name = "c_out", Type = Scalar(9) });
        body.Output.Add(new ValueInfoProto { Name = "v_out", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var looped = m.Node("Loop", [trip, "cond", conv], ("body", body));
        var feat = m.Node("Relu", [looped]);
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        var fw = m.Init("fc_w", [classes, k]);
        var fb = m.Init("fc_b", [classes]);
        return m.Build(m.Node("Gemm", [flat, fw, fb], ("transB", 1L)), outputName: "logits");
    }

    /// <summary>
    /// A GAP + linear classifier that asks for <paramref name="bombValues"/> float zeros (ConstantOfShape) when some input
    /// value exceeds <paramref name="threshold"/> and for none otherwise: the probe passes, a bright image allocates.
    /// </summary>
    public static byte[] AllocatingOnBrightInput(int classes = 8, int size = 64, float threshold = 2.1f, long bombValues = 2_000_000_000, int k = 4)
    {
        var m = new TinyOnnx(4, dynamicBatch: true, size);
        var thr = m.Init("thr", [], [threshold]);
        var count = m.IntInit("count", [bombValues]);
        var max = m.Node("ReduceMax", ["x"], ("keepdims", 0L));
        var bright = m.Node("Greater", [max, thr]);
        var asInt = m.Node("Cast", [bright], ("to", 7L));
        var shape = m.Node("Mul", [asInt, count]);                      // [n] or [0]
        var zeros = m.Node("ConstantOfShape", [shape]);
        var sum = m.Node("ReduceSum", [zeros], ("keepdims", 0L));        // 0 either way
        var feat = m.Node("Add", [m.Backbone(k), sum]);
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        return m.Build(m.Node("Gemm", [flat, m.Init("fc_w", [classes, k]), m.Init("fc_b", [classes])], ("transB", 1L)), outputName: "logits");
    }

    private static TypeProto Scalar(int elemType) => new()
    {
        TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = new TensorShapeProto() },
    };

    /// <summary>The standard torchvision-like head: GlobalAveragePool -> Flatten -> Gemm(transB=1).</summary>
    public static byte[] GapGemm(int classes = 5, int k = 4, bool dynamicBatch = true, int size = 8, int seed = 1)
    {
        var m = new TinyOnnx(seed, dynamicBatch, size);
        var feat = m.Backbone(k);
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        var w = m.Init("fc_w", [classes, k]);
        var b = m.Init("fc_b", [classes]);
        return m.Build(m.Node("Gemm", [flat, w, b], ("transB", 1L)), outputName: "logits");
    }
}
