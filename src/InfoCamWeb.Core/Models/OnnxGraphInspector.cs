using Google.Protobuf;
using Onnx;

namespace InfoCamWeb.Core.Models;

/// <summary>
/// Reads an ONNX graph and finds the class-activation head: the tensor entering the global average pooling and the
/// linear classifier after it (docs/wsol-protocol.md, "Model heads that must be recognised"). Pure graph analysis;
/// <see cref="ModelLoader"/> checks the result on a probe input.
/// </summary>
internal sealed class OnnxGraphInspector
{
    private static readonly HashSet<string> Passthrough = ["Flatten", "Reshape", "Squeeze", "Identity", "Dropout"];

    /// <summary>Longest chain of pass-through nodes followed; a longer one is a cycle or a hostile graph.</summary>
    private const int MaxWalk = 64;

    /// <summary>Opsets this engine knows; a model claiming a later one is refused rather than guessed at.</summary>
    public const long MaxOpset = 23;

    private static ModelException Cycle() =>
        new("The graph has a cycle (or a chain of more than 64 reshaping nodes) at its head; it is not a valid ONNX model.");
    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly Dictionary<string, NodeProto> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);

    public OnnxGraphInspector(ModelProto model)
    {
        _model = model;
        _graph = model.Graph ?? throw new ModelException("The ONNX file has no graph.");
        foreach (var init in _graph.Initializer)
        {
            _initializers[init.Name] = init;
        }
        foreach (var node in _graph.Node)
        {
            foreach (var o in node.Output)
            {
                if (o.Length > 0) _producer[o] = node;
            }
        }
    }

    public static ModelProto Parse(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw new ModelException("The model file is empty.");
        }
        if (ModelFileSniffer.Refusal(bytes.AsSpan(0, Math.Min(bytes.Length, ModelFileSniffer.HeadBytes))) is { } notOnnx)
        {
            throw new ModelException(notOnnx);
        }
        if (bytes.Length >= 8 && bytes.AsSpan(4, 4).SequenceEqual("ORTM"u8))
        {
            throw new ModelException("The file is in ONNX Runtime's ORT format; upload the .onnx model instead.");
        }
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelException($"The file is not an ONNX model (protobuf parse failed: {ex.Message.TrimEnd('.')}).", ex);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new ModelException(model.Graph is null ? "The ONNX file has no graph." : "The ONNX graph has no nodes.");
        }
        foreach (var opset in model.OpsetImport)
        {
            if (opset.Domain is "" or "ai.onnx" && opset.Version > MaxOpset)
            {
                throw new ModelException($"The model asks for ONNX opset {opset.Version}; opsets up to {MaxOpset} are supported.");
            }
        }
        return model;
    }

    public GraphProto Graph => _graph;

    /// <summary>
    /// Refuses a graph that reads a tensor nothing defines (a broken export or a hand edit), naming the node and the
    /// tensor, before the head search could misread it as a head-shape problem. Subgraphs may read outer names and are
    /// left to ONNX Runtime.
    /// </summary>
    public void RequireDefinedTensors()
    {
        var defined = new HashSet<string>(_graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(_initializers.Keys);
        defined.UnionWith(_graph.SparseInitializer.Select(s => s.Values?.Name ?? ""));
        defined.UnionWith(_producer.Keys);
        for (int n = 0; n < _graph.Node.Count; n++)
        {
            var node = _graph.Node[n];
            var missing = node.Input.FirstOrDefault(i => i.Length > 0 && !defined.Contains(i));
            if (missing is not null)
            {
                var name = node.Name.Length > 0 ? $"Node '{node.Name}' ({node.OpType})" : $"The {node.OpType} node #{n + 1}";
                throw new ModelException($"{name} reads '{missing}', which no input, initializer or node defines; the file is incomplete or was edited by hand. Export the model again.");
            }
        }
    }

    public TensorProto? Initializer(string name) => _initializers.GetValueOrDefault(name);

    public bool HasTensor(string name) => _producer.ContainsKey(name) || _graph.Input.Any(i => i.Name == name);

    /// <summary>The single image input: name and NCHW shape (dynamic dims as -1).</summary>
    public (string Name, long[] Shape) ImageInput()
    {
        var inputs = _graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count == 0 && _graph.Input.Count > 0)
        {
            throw new ModelException($"The model has no image input: {string.Join(", ", _graph.Input.Select(i => $"'{i.Name}'"))} " +
                                     $"{(_graph.Input.Count > 1 ? "have initializers, so they are constants" : "has an initializer, so it is a constant")}; exactly one image input is expected.");
        }
        if (inputs.Count != 1)
        {
            throw new ModelException($"The model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); exactly one image input is expected.");
        }
        var input = inputs[0];
        var tensor = input.Type?.TensorType ?? throw new ModelException($"Input '{input.Name}' is not a tensor.");
        if (tensor.ElemType != OnnxTensors.Float)
        {
            throw new ModelException($"Input '{input.Name}' has element type {ElemTypeName(tensor.ElemType)}; a float32 NCHW image tensor is expected.");
        }
        var dims = tensor.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray()
                   ?? throw new ModelException($"Input '{input.Name}' has no shape; a 4-D NCHW shape is expected.");
        if (dims.Length != 4)
        {
            throw new ModelException($"Input '{input.Name}' has rank {dims.Length}; a 4-D NCHW image tensor is expected.");
        }
        if (dims[1] != 3)
        {
            if (dims[3] == 3)
            {
                throw new ModelException($"Input '{input.Name}' looks like NHWC [{string.Join(", ", dims)}]; export the model with NCHW input (N, 3, H, W).");
            }
            if (dims[1] > 0)
            {
                throw new ModelException($"Input '{input.Name}' has {dims[1]} channels; 3 (RGB) are expected.");
            }
        }
        if (dims[2] > 0 && dims[3] > 0 && dims[2] != dims[3])
        {
            throw new ModelException($"Input '{input.Name}' is {dims[2]}x{dims[3]}; a square input is expected.");
        }
        if (dims[2] > ModelLoader.MaxInputSide || dims[3] > ModelLoader.MaxInputSide)
        {
            throw new ModelException($"Input '{input.Name}' is {dims[2]}x{dims[3]}; inputs larger than {ModelLoader.MaxInputSide}x{ModelLoader.MaxInputSide} are not accepted.");
        }
        if (dims[2] == 0 || dims[3] == 0)
        {
            throw new ModelException($"Input '{input.Name}' has an empty spatial size ({dims[2]}x{dims[3]}).");
        }
        if (dims[0] > 1)
        {
            throw new ModelException($"Input '{input.Name}' fixes the batch to {dims[0]}; export with batch 1 or a dynamic batch.");
        }
        return (input.Name, dims);
    }

    public string FirstOutput()
    {
        if (_graph.Output.Count == 0)
        {
            throw new ModelException("The ONNX graph has no outputs.");
        }
        var name = _graph.Output[0].Name;
        if (!_producer.ContainsKey(name) && !_graph.Input.Any(i => i.Name == name))
        {
            throw new ModelException($"The graph output '{name}' is produced by no node.");
        }
        return name;
    }

    /// <summary>A candidate head: feature tensor and classifier initializers (or the identity for 1x1-conv classifiers).</summary>
    public sealed record Candidate(
        string Pattern, string FeatureTensor, string LogitsTensor,
        float[]? Weights, int Classes, int Channels, float[]? Bias, bool Identity, long[]? AveragePoolKernel, string WeightSource);

    public Candidate FindHead()
    {
        var output = FirstOutput();
        string logits = output;
        var node = Producer(output);
        var path = new List<string>();
        int guard = 0;
        while (node is not null && node.OpType is "Softmax" or "LogSoftmax" or "Identity")
        {
            if (++guard > MaxWalk) throw Cycle();
            path.Add(node.OpType);
            logits = node.Input[0];
            node = Producer(logits);
        }
        if (node is null)
        {
            throw new ModelException($"The graph output '{output}' is produced by no node.");
        }

        // Linear classifier?
        if (TryLinear(node, out var x, out var weights, out int classes, out int channels, out var bias, out var linearPattern, out var source))
        {
            var (pool, feature, kernel, between) = FindPooling(x)
                ?? throw NoPooling(x, $"a linear classifier ({linearPattern})");
            var pattern = string.Join(" -> ", new[] { pool }.Concat(between).Append(linearPattern));
            return new Candidate(pattern, feature, logits, weights, classes, channels, bias, false, kernel, source);
        }

        // Pooling straight into the output: a fully convolutional classifier, or a backbone without classifier.
        var pooled = FindPooling(logits);
        if (pooled is { } p)
        {
            var featureProducer = Producer(p.Feature);
            var conv = featureProducer;
            var convPath = new List<string>();
            if (conv is not null && conv.OpType == "Relu")
            {
                convPath.Add("Relu");
                conv = Producer(conv.Input[0]);
            }
            if (conv is not null && conv.OpType == "Conv" && IsPointwise(conv, out int outChannels))
            {
                var pattern = string.Join(" -> ", new[] { "Conv 1x1" }.Concat(convPath).Append(p.Pool).Concat(p.Between));
                return new Candidate(pattern, p.Feature, logits, null, outChannels, outChannels, null, true, p.Kernel, $"identity over the {outChannels} class maps of Conv '{conv.Name}'");
            }
            var before = featureProducer is null ? "the graph input" : $"{featureProducer.OpType} (node '{featureProducer.Name}')";
            throw new ModelException(
                $"The model ends with {p.Pool} over '{p.Feature}' (produced by {before}) and has no classifier after it: it looks like a feature extractor (backbone). " +
                "Add the linear classification layer before exporting, or name the feature tensor and classifier weights with --feature-tensor and --classifier-weight.");
        }

        throw new ModelException(
            $"No global-average-pooling + linear head was found: the output '{output}' is produced by {node.OpType} (node '{node.Name}')" +
            (path.Count > 0 ? $" after {string.Join(", ", path)}" : "") +
            ". Recognised heads: GlobalAveragePool / ReduceMean / AveragePool, then Flatten / Reshape / Squeeze, then Gemm or MatMul (+ Add), or a 1x1 Conv classifier before the pooling. " +
            "Name the feature tensor and classifier weights by hand with --feature-tensor and --classifier-weight.");
    }

    private ModelException NoPooling(string tensor, string what)
    {
        var n = Producer(tensor);
        var through = new List<string>();
        int guard = 0;
        while (n is not null && Passthrough.Contains(n.OpType))
        {
            if (++guard > MaxWalk) throw Cycle();
            through.Add(n.OpType);
            n = Producer(n.Input[0]);
        }
        var found = (n is null ? "the graph input" : $"{n.OpType} (node '{n.Name}')") +
                    (through.Count > 0 ? $" through {string.Join(", ", through)}" : "");
        return new ModelException(
            $"Found {what}, but its input '{tensor}' comes from {found}, not from a global average pooling. " +
            "Name the feature tensor and classifier weights by hand with --feature-tensor and --classifier-weight.");
    }

    private NodeProto? Producer(string tensor) => _producer.GetValueOrDefault(tensor);

    private (string Pool, string Feature, long[]? Kernel, List<string> Between)? FindPooling(string tensor)
    {
        var between = new List<string>();
        var node = Producer(tensor);
        int guard = 0;
        while (node is not null && Passthrough.Contains(node.OpType))
        {
            if (++guard > MaxWalk) throw Cycle();
            between.Insert(0, node.OpType);
            node = Producer(node.Input[0]);
        }
        if (node is null) return null;
        switch (node.OpType)
        {
            case "GlobalAveragePool":
                return ("GlobalAveragePool", node.Input[0], null, between);
            case "ReduceMean":
            {
                var axes = Attribute(node, "axes")?.Ints.ToArray();
                if (axes is null && node.Input.Count > 1 && Initializer(node.Input[1]) is { } ax)
                {
                    axes = OnnxTensors.ReadInts(ax);
                }
                if (axes is null) return null;
                var set = axes.Select(a => a < 0 ? a + 4 : a).Order().ToArray();
                return set.SequenceEqual(new long[] { 2, 3 }) ? ("ReduceMean(axes=[2,3])", node.Input[0], null, between) : null;
            }
            case "AveragePool":
            {
                var kernel = Attribute(node, "kernel_shape")?.Ints.ToArray();
                var pads = Attribute(node, "pads")?.Ints.ToArray() ?? [];
                if (kernel is null || kernel.Length != 2 || pads.Any(v => v != 0)) return null;
                return ($"AveragePool(kernel {kernel[0]}x{kernel[1]})", node.Input[0], kernel, between);
            }
            default:
                return null;
        }
    }

    private bool TryLinear(NodeProto node, out string input, out float[] weights, out int classes, out int channels,
        out float[]? bias, out string pattern, out string source)
    {
        input = "";
        weights = [];
        classes = channels = 0;
        bias = null;
        pattern = source = "";
        switch (node.OpType)
        {
            case "Gemm":
            {
                if ((Attribute(node, "transA")?.I ?? 0) != 0) return false;
                var b = node.Input.Count > 1 ? Initializer(node.Input[1]) : null;
                if (b is null || b.Dims.Count != 2) return false;
                bool transB = (Attribute(node, "transB")?.I ?? 0) != 0;
                float alpha = Attribute(node, "alpha")?.F ?? 1f, beta = Attribute(node, "beta")?.F ?? 1f;
                if (Attribute(node, "alpha") is null) alpha = 1f;
                if (Attribute(node, "beta") is null) beta = 1f;
                var w = OnnxTensors.ReadFloats(b, "Gemm weight");
                int d0 = (int)b.Dims[0], d1 = (int)b.Dims[1];
                if (transB) { classes = d0; channels = d1; weights = w; }
                else { classes = d1; channels = d0; weights = OnnxTensors.Transpose(w, d0, d1); }
                if (alpha != 1f) for (int i = 0; i < weights.Length; i++) weights[i] *= alpha;
                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    var c = Initializer(node.Input[2]);
                    if (c is null) return false;
                    bias = OnnxTensors.ReadFloats(c, "Gemm bias");
                    if (bias.Length != classes) return false;
                    if (beta != 1f) for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
                }
                input = node.Input[0];
                pattern = $"Gemm(transB={(transB ? 1 : 0)})";
                source = $"Gemm '{node.Name}' weights '{b.Name}'" + (bias is null ? "" : $", bias '{node.Input[2]}'");
                return true;
            }
            case "Add":
            {
                for (int side = 0; side < 2; side++)
                {
                    var biasInit = Initializer(node.Input[side]);
                    var mm = Producer(node.Input[1 - side]);
                    if (biasInit is null || mm is null || mm.OpType != "MatMul") continue;
                    if (!TryMatMul(mm, out input, out weights, out classes, out channels, out source)) return false;
                    bias = OnnxTensors.ReadFloats(biasInit, "MatMul bias");
                    if (bias.Length != classes) return false;
                    pattern = "MatMul -> Add";
                    source += $", bias '{biasInit.Name}'";
                    return true;
                }
                return false;
            }
            case "MatMul":
                pattern = "MatMul";
                return TryMatMul(node, out input, out weights, out classes, out channels, out source);
            default:
                return false;
        }
    }

    private bool TryMatMul(NodeProto node, out string input, out float[] weights, out int classes, out int channels, out string source)
    {
        input = node.Input[0];
        weights = [];
        classes = channels = 0;
        source = "";
        var b = Initializer(node.Input[1]);
        if (b is null || b.Dims.Count != 2) return false;
        channels = (int)b.Dims[0];
        classes = (int)b.Dims[1];
        weights = OnnxTensors.Transpose(OnnxTensors.ReadFloats(b, "MatMul weight"), channels, classes);
        source = $"MatMul '{node.Name}' weights '{b.Name}' (transposed)";
        return true;
    }

    private bool IsPointwise(NodeProto conv, out int outChannels)
    {
        outChannels = 0;
        var w = conv.Input.Count > 1 ? Initializer(conv.Input[1]) : null;
        if (w is null || w.Dims.Count != 4 || w.Dims[2] != 1 || w.Dims[3] != 1) return false;
        if ((Attribute(conv, "group")?.I ?? 1) != 1) return false;
        outChannels = (int)w.Dims[0];
        return outChannels >= 2;
    }

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static string ElemTypeName(int t) => t switch
    {
        1 => "float32", 2 => "uint8", 3 => "int8", 6 => "int32", 7 => "int64", 10 => "float16", 11 => "float64", 16 => "bfloat16",
        _ => $"type {t}",
    };

    /// <summary>The model with the feature and logits tensors added as graph outputs, serialised.</summary>
    public byte[] WithOutputs(params string[] tensors)
    {
        var copy = _model.Clone();
        foreach (var name in tensors.Distinct())
        {
            if (copy.Graph.Output.Any(o => o.Name == name)) continue;
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.Float } },
            });
        }
        return copy.ToByteArray();
    }
}
