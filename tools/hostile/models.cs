#:package OnnxSharp@0.3.2
#:property ManagePackageVersionsCentrally=false
// Builds hostile (and a few valid but unusual) ONNX models for a hand check through the UI or the API.
// Usage: dotnet run tools/hostile/models.cs -- [out_dir]
using Google.Protobuf;
using Onnx;

var outDir = args.Length > 0 ? args[0] : "/tmp/hostile/models";
Directory.CreateDirectory(outDir);
var rng = new Random(7);

ValueInfoProto Vi(string name, int elem, params long[] dims)
{
    var s = new TensorShapeProto();
    foreach (var d in dims) s.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
    return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elem, Shape = s } } };
}
TensorProto F(string name, long[] dims, int? count = null)
{
    var t = new TensorProto { Name = name, DataType = 1 };
    t.Dims.AddRange(dims);
    long n = count ?? dims.Aggregate(1L, (a, b) => a * b);
    for (long i = 0; i < n; i++) t.FloatData.Add((float)(rng.NextDouble() - 0.5));
    return t;
}
NodeProto N(string op, string[] ins, string outName, params AttributeProto[] attrs)
{
    var n = new NodeProto { OpType = op, Name = outName + "_n" };
    n.Input.AddRange(ins); n.Output.Add(outName); n.Attribute.AddRange(attrs); return n;
}
AttributeProto Ints(string name, params long[] v) { var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints }; a.Ints.AddRange(v); return a; }
AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

// A standard small classifier; hooks let each case break one thing.
ModelProto Classifier(long h = 8, long w = 8, int elem = 1, int classes = 5, int k = 4, Action<GraphProto>? tweak = null, long opset = 13)
{
    var g = new GraphProto { Name = "g" };
    g.Input.Add(Vi("x", elem, -1, 3, h, w));
    g.Initializer.Add(F("cw", [k, 3, 3, 3])); g.Initializer.Add(F("cb", [k]));
    g.Node.Add(N("Conv", ["x", "cw", "cb"], "conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)));
    g.Node.Add(N("Relu", ["conv"], "feat"));
    g.Node.Add(N("GlobalAveragePool", ["feat"], "gap"));
    g.Node.Add(N("Flatten", ["gap"], "flat", Int("axis", 1)));
    g.Initializer.Add(F("fw", [classes, k])); g.Initializer.Add(F("fb", [classes]));
    g.Node.Add(N("Gemm", ["flat", "fw", "fb"], "logits", Int("transB", 1)));
    g.Output.Add(Vi("logits", 1, -1, classes));
    tweak?.Invoke(g);
    var m = new ModelProto { IrVersion = 7, Graph = g, ProducerName = "hostile" };
    m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    return m;
}
void Save(string name, ModelProto m) => File.WriteAllBytes(Path.Combine(outDir, name), m.ToByteArray());

Save("ok.onnx", Classifier());
Save("ok-2-classes.onnx", Classifier(classes: 2));
Save("huge-input-65536.onnx", Classifier(65536, 65536));
Save("input-0x0.onnx", Classifier(0, 0));
Save("input-1x1.onnx", Classifier(1, 1));
Save("input-float16.onnx", Classifier(elem: 10));
Save("input-double.onnx", Classifier(elem: 11));
Save("weights-lying-dims.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); t.Dims.Clear(); t.Dims.AddRange([5, 4000000000L]); }));
Save("weights-short-data.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); while (t.FloatData.Count > 3) t.FloatData.RemoveAt(t.FloatData.Count - 1); }));
Save("weights-raw-short.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); t.FloatData.Clear(); t.RawData = ByteString.CopyFrom(new byte[7]); }));
Save("weights-negative-dims.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); t.Dims.Clear(); t.Dims.AddRange([-5, -4]); }));
Save("weights-string-type.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); t.FloatData.Clear(); t.DataType = 8; for (int i = 0; i < 20; i++) t.StringData.Add(ByteString.CopyFromUtf8("x")); }));
Save("weights-int64.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fw"); t.FloatData.Clear(); t.DataType = 7; for (int i = 0; i < 20; i++) t.Int64Data.Add(1); }));
Save("bias-huge-classes.onnx", Classifier(classes: 5, tweak: g => { var t = g.Initializer.First(t => t.Name == "fb"); t.Dims.Clear(); t.Dims.Add(2000000000L); }));
Save("no-opset.onnx", Classifier(tweak: null, opset: 0));
var m0 = Classifier(); m0.OpsetImport.Clear(); Save("no-opset-import.onnx", m0);
var m1 = Classifier(); m1.IrVersion = 999; Save("ir-999.onnx", m1);
var m2 = Classifier(); m2.IrVersion = 0; Save("ir-0.onnx", m2);
Save("opset-1.onnx", Classifier(opset: 1));
Save("dup-output-names.onnx", Classifier(tweak: g => g.Node.Add(N("Relu", ["conv"], "feat"))));
Save("input-also-initializer.onnx", Classifier(tweak: g => g.Initializer.Add(F("x", [1, 3, 8, 8]))));
Save("output-is-input.onnx", Classifier(tweak: g => { g.Output.Clear(); g.Output.Add(Vi("x", 1, -1, 3, 8, 8)); }));
Save("two-outputs.onnx", Classifier(tweak: g => g.Output.Add(Vi("feat", 1, -1, 4, 8, 8))));
Save("rank2-input.onnx", Classifier(tweak: g => { g.Input.Clear(); g.Input.Add(Vi("x", 1, -1, 192)); }));
Save("no-input.onnx", Classifier(tweak: g => g.Input.Clear()));
Save("gemm-transB-7.onnx", Classifier(tweak: g => g.Node.Last().Attribute[0].I = 7));
Save("conv-kernel-huge.onnx", Classifier(tweak: g => { g.Node[0].Attribute[0].Ints.Clear(); g.Node[0].Attribute[0].Ints.AddRange([100000, 100000]); }));
Save("empty-op-type.onnx", Classifier(tweak: g => g.Node[1].OpType = ""));
Save("op-with-preview-domain.onnx", Classifier(tweak: g => g.Node[1].Domain = "ai.onnx.preview.training"));
Save("feature-nan-weights.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "cw"); t.FloatData[0] = float.NaN; }));
Save("logits-inf.onnx", Classifier(tweak: g => { var t = g.Initializer.First(t => t.Name == "fb"); t.FloatData[0] = float.PositiveInfinity; }));
// Deeply nested If subgraphs (protobuf recursion).
{
    var m = Classifier(tweak: g =>
    {
        GraphProto inner = new() { Name = "leaf" };
        inner.Output.Add(Vi("feat", 1));
        for (int d = 0; d < 300; d++)
        {
            var node = N("If", ["c"], "r" + d, new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner },
                new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = new GraphProto { Name = "e" } });
            var outer = new GraphProto { Name = "n" + d };
            outer.Node.Add(node); outer.Output.Add(Vi("r" + d, 1));
            inner = outer;
        }
        g.Node.Add(N("If", ["c"], "deep", new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner }));
    });
    Save("nested-if-300.onnx", m);
}
// A 200,000-node Identity chain before the head.
Save("identity-chain-200k.onnx", Classifier(tweak: g =>
{
    var nodes = g.Node.ToList(); g.Node.Clear();
    g.Node.Add(nodes[0]);
    string prev = "conv";
    for (int i = 0; i < 200000; i++) { g.Node.Add(N("Identity", [prev], "id" + i)); prev = "id" + i; }
    var relu = nodes[1]; relu.Input[0] = prev; g.Node.Add(relu);
    foreach (var n in nodes.Skip(2)) g.Node.Add(n);
}));
// Nodes listed out of topological order (valid ONNX? no: must be sorted) — reversed.
Save("nodes-reversed.onnx", Classifier(tweak: g => { var nodes = g.Node.Reverse().ToList(); g.Node.Clear(); g.Node.AddRange(nodes); }));
// Loop with 2^31 iterations on the feature path.
Save("loop-2p31.onnx", Classifier(tweak: g =>
{
    g.Initializer.Add(new TensorProto { Name = "trip", DataType = 7, Int64Data = { 1L << 31 } });
    g.Initializer.Add(new TensorProto { Name = "cond", DataType = 9, Int32Data = { 1 } });
    var body = new GraphProto { Name = "body" };
    body.Input.Add(Vi("i", 7)); body.Input.Add(Vi("c_in", 9)); body.Input.Add(Vi("v_in", 1));
    body.Node.Add(N("Identity", ["c_in"], "c_out")); body.Node.Add(N("Identity", ["v_in"], "v_out"));
    body.Output.Add(Vi("c_out", 9)); body.Output.Add(Vi("v_out", 1));
    var loop = N("Loop", ["trip", "cond", "conv"], "looped", new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
    var nodes = g.Node.ToList(); g.Node.Clear();
    g.Node.Add(nodes[0]); g.Node.Add(loop); nodes[1].Input[0] = "looped";
    foreach (var n in nodes.Skip(1)) g.Node.Add(n);
}));
// Big doc string.
var md = Classifier(); md.DocString = new string('A', 20_000_000); Save("docstring-20mb.onnx", md);
// Random protobuf-ish bytes: valid varint tags with huge length.
File.WriteAllBytes(Path.Combine(outDir, "huge-length-field.onnx"), [0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
File.WriteAllBytes(Path.Combine(outDir, "text-file.onnx"), System.Text.Encoding.UTF8.GetBytes("ir_version: 7\ngraph { name: \"x\" }\n"));
Console.WriteLine($"wrote {Directory.GetFiles(outDir).Length} models to {outDir}");
