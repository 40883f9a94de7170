using InfoCamWeb.Core.Models;
using Onnx;
using Google.Protobuf;

namespace InfoCamWeb.Core.Tests.Models;

public class ModelLoaderTests
{
    [Fact]
    public void Finds_global_average_pool_flatten_gemm_head_and_reproduces_logits()
    {
        var model = ModelLoader.Load(TinyOnnx.GapGemm(classes: 5, k: 4), "gap.onnx");
        Assert.Equal("GlobalAveragePool -> Flatten -> Gemm(transB=1)", model.Head.Pattern);
        Assert.Equal(5, model.Head.Classes);
        Assert.Equal(4, model.Head.Channels);
        Assert.Equal([-1L, 4, 8, 8], model.Head.FeatureShape);
        Assert.True(model.Head.DynamicBatch);
        Assert.Equal(8, model.Head.FixedInputSize);
        Assert.True(model.Head.ProbeMaxLogitError < 1e-4);
    }

    [Fact]
    public void Finds_reduce_mean_matmul_add_head()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(6);
        var mean = m.Node("ReduceMean", [feat], ("axes", new long[] { 2, 3 }), ("keepdims", 0L));
        var mm = m.Node("MatMul", [mean, m.Init("w", [6, 3])]);
        var model = ModelLoader.Load(m.Build(m.Node("Add", [mm, m.Init("b", [3])])), "rm.onnx");
        Assert.Equal("ReduceMean(axes=[2,3]) -> MatMul -> Add", model.Head.Pattern);
        Assert.Equal(3, model.Head.Classes);
        Assert.Equal(6, model.Head.Channels);
    }

    [Fact]
    public void Finds_reduce_mean_with_axes_as_an_input_in_opset_18()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(4);
        var mean = m.Node("ReduceMean", [feat, m.IntInit("axes", [-2, -1])], ("keepdims", 1L));
        var sq = m.Node("Squeeze", [mean, m.IntInit("sq_axes", [2, 3])]);
        var model = ModelLoader.Load(m.Build(m.Node("Gemm", [sq, m.Init("w", [4, 3]), m.Init("b", [3])]), opset: 18), "rm18.onnx");
        Assert.Equal("ReduceMean(axes=[2,3]) -> Squeeze -> Gemm(transB=0)", model.Head.Pattern);
    }

    [Fact]
    public void Finds_average_pool_over_the_whole_map_with_reshape_and_gemm_without_transpose()
    {
        var m = new TinyOnnx(dynamicBatch: false);
        var feat = m.Backbone(4);
        var pool = m.Node("AveragePool", [feat], ("kernel_shape", new long[] { 8, 8 }));
        var reshape = m.Node("Reshape", [pool, m.IntInit("shape", [1, -1])]);
        var model = ModelLoader.Load(m.Build(m.Node("Gemm", [reshape, m.Init("w", [4, 3]), m.Init("b", [3])])), "ap.onnx");
        Assert.Equal("AveragePool(kernel 8x8) -> Reshape -> Gemm(transB=0)", model.Head.Pattern);
        Assert.False(model.Head.DynamicBatch);
    }

    [Fact]
    public void Recognises_a_fully_convolutional_classifier_as_identity_over_class_maps()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(4);
        var cls = m.Node("Conv", [feat, m.Init("cls_w", [7, 4, 1, 1]), m.Init("cls_b", [7])], ("kernel_shape", new long[] { 1, 1 }));
        var gap = m.Node("GlobalAveragePool", [cls]);
        var model = ModelLoader.Load(m.Build(m.Node("Flatten", [gap], ("axis", 1L))), "fcn.onnx");
        Assert.Equal("Conv 1x1 -> GlobalAveragePool -> Flatten", model.Head.Pattern);
        Assert.True(model.Head.Classifier.IsIdentity);
        Assert.Equal(7, model.Head.Classes);
    }

    [Fact]
    public void A_backbone_without_classifier_is_refused_saying_so()
    {
        var m = new TinyOnnx();
        var gap = m.Node("GlobalAveragePool", [m.Backbone(4)]);
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(m.Build(m.Node("Flatten", [gap], ("axis", 1L))), "backbone.onnx"));
        Assert.Contains("has no classifier after it: it looks like a feature extractor (backbone)", ex.Message);
    }

    [Fact]
    public void A_model_without_gap_head_names_what_was_found_and_can_be_named_by_hand()
    {
        var m = new TinyOnnx(size: 4);
        var feat = m.Backbone(2);
        var flat = m.Node("Flatten", [feat], ("axis", 1L));
        var bytes = m.Build(m.Node("Gemm", [flat, m.Init("w", [3, 32]), m.Init("b", [3])], ("transB", 1L)));
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "flat.onnx"));
        Assert.Contains("comes from Relu", ex.Message);
        Assert.Contains("--feature-tensor", ex.Message);
    }

    [Fact]
    public void Head_named_by_hand_is_checked_against_the_model_logits()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(4);
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        // A head the detector does not know: Mul by 1 in between.
        var one = m.Init("one", [1], [1f]);
        var mul = m.Node("Mul", [flat, one]);
        var bytes = m.Build(m.Node("Gemm", [mul, m.Init("w", [5, 4]), m.Init("b", [5])], ("transB", 1L)));
        Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "mul.onnx"));
        var model = ModelLoader.Load(bytes, "mul.onnx", new HeadOverrides { FeatureTensor = feat, WeightInitializer = "w", BiasInitializer = "b" });
        Assert.Equal("named by hand", model.Head.Pattern);
        Assert.Equal(5, model.Head.Classes);
        // Wrong bias: logits are not reproduced.
        var wrong = Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "mul.onnx", new HeadOverrides { FeatureTensor = feat, WeightInitializer = "w" }));
        Assert.Contains("does not reproduce the model's logits", wrong.Message);
    }

    [Fact]
    public void Nhwc_uint8_and_two_input_models_are_refused_with_the_reason()
    {
        var nhwc = new TinyOnnx(size: 8);
        nhwc.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue = 8;
        nhwc.Graph.Input[0].Type.TensorType.Shape.Dim[3].DimValue = 3;
        var gap = nhwc.Node("GlobalAveragePool", ["x"]);
        Assert.Contains("looks like NHWC", Assert.Throws<ModelException>(() => ModelLoader.Load(nhwc.Build(gap), "nhwc.onnx")).Message);

        var u8 = new TinyOnnx(elemType: 2);
        Assert.Contains("element type uint8", Assert.Throws<ModelException>(() => ModelLoader.Load(u8.Build(u8.Node("Relu", ["x"])), "u8.onnx")).Message);
    }

    [Fact]
    public void A_node_that_reads_an_undefined_tensor_is_refused_with_its_name_not_as_a_head_problem()
    {
        var m = new TinyOnnx(size: 8);
        var feat = m.Backbone();
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        var gemm = m.Node("Gemm", [flat, "nowhere", m.Init("fc_b", [5])], ("transB", 1L));
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(m.Build(gemm), "broken.onnx"));
        Assert.Equal($"Node '{gemm}_node' (Gemm) reads 'nowhere', which no input, initializer or node defines; the file is incomplete or was edited by hand. Export the model again.", ex.Message);
    }

    [Theory]
    [InlineData(new byte[0], "The model file is empty.")]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0 }, "is a PNG image")]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x01 }, "not an ONNX model")]
    public void Garbage_files_are_refused_with_a_clear_message(byte[] bytes, string expected)
    {
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "bad.onnx"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void External_data_and_foreign_operator_domains_are_refused_before_onnx_runtime_sees_them()
    {
        var m = ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        var w = m.Graph.Initializer.First(i => i.Name == "fc_w");
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "../../etc/passwd" });
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(m.ToByteArray(), "ext.onnx"));
        Assert.Contains("external", ex.Message);

        var d = ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        d.Graph.Node[0].Domain = "com.microsoft";
        Assert.Contains("domain 'com.microsoft'", Assert.Throws<ModelException>(() => ModelLoader.Load(d.ToByteArray(), "ms.onnx")).Message);
    }
}

public class HostileModelTests
{
    [Fact]
    public void A_cycle_of_reshaping_nodes_at_the_head_is_refused_instead_of_looping()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(4);
        // flatten_a <- flatten_b <- flatten_a: a cycle feeding the classifier.
        var a = new Onnx.NodeProto { OpType = "Flatten", Name = "a" };
        a.Input.Add("cyc_b");
        a.Output.Add("cyc_a");
        var b = new Onnx.NodeProto { OpType = "Flatten", Name = "b" };
        b.Input.Add("cyc_a");
        b.Output.Add("cyc_b");
        m.Graph.Node.Add(a);
        m.Graph.Node.Add(b);
        var bytes = m.Build(m.Node("Gemm", ["cyc_a", m.Init("w", [3, 4]), m.Init("bias", [3])], ("transB", 1L)));
        _ = feat;
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "cycle.onnx"));
        Assert.Contains("has a cycle", ex.Message);
    }

    [Fact]
    public void An_unknown_future_opset_is_refused()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.OpsetImport[0].Version = 99;
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "op99.onnx"));
        Assert.Equal("The model asks for ONNX opset 99; opsets up to 23 are supported.", ex.Message);
    }

    [Fact]
    public void Foreign_domains_are_refused_in_the_opset_list_of_nodes_too()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.Graph.Node[0].Domain = "ai.onnx.ml";
        Assert.Contains("domain 'ai.onnx.ml'", Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "ml.onnx")).Message);
    }
}

public class ResourceCapTests
{
    [Fact]
    public void A_constant_of_shape_bomb_is_stopped_by_the_memory_cap_with_a_clear_message()
    {
        var m = new TinyOnnx();
        var feat = m.Backbone(4);
        var gap = m.Node("GlobalAveragePool", [feat]);
        var flat = m.Node("Flatten", [gap], ("axis", 1L));
        var gemm = m.Node("Gemm", [flat, m.Init("fc_w", [3, 4]), m.Init("fc_b", [3])], ("transB", 1L));
        var shape = m.IntInit("bomb_shape", [2_000_000_000]);           // 8 GB of float zeros
        var big = m.Node("ConstantOfShape", [shape]);
        var sum = m.Node("ReduceSum", [big], ("keepdims", 0L));
        var bytes = m.Build(m.Node("Add", [gemm, sum]));
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(bytes, "bomb.onnx",
            new HeadOverrides { FeatureTensor = feat, WeightInitializer = "fc_w", BiasInitializer = "fc_b" }));
        Assert.Contains("The probe run", ex.Message);
        Assert.Contains("memory", ex.Message);
    }
}

public class MalformedGraphTests
{
    [Theory]
    [InlineData(65536L, "Input 'x' is 65536x65536; inputs larger than 2048x2048 are not accepted.")]
    [InlineData(0L, "Input 'x' has an empty spatial size (0x0).")]
    public void An_input_too_large_to_allocate_or_empty_is_refused_before_any_session(long side, string message)
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = side;
        model.Graph.Input[0].Type.TensorType.Shape.Dim[3].DimValue = side;
        Assert.Equal(message, Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "big.onnx")).Message);
    }

    [Fact]
    public void An_input_that_is_also_an_initializer_is_named_as_a_constant()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        var constant = new Onnx.TensorProto { Name = "x", DataType = 1 };
        constant.Dims.AddRange([1, 3, 8, 8]);
        constant.FloatData.AddRange(new float[192]);
        model.Graph.Initializer.Add(constant);
        Assert.Equal("The model has no image input: 'x' has an initializer, so it is a constant; exactly one image input is expected.",
            Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "const.onnx")).Message);
    }

    [Fact]
    public void An_ir_version_onnx_runtime_does_not_know_is_refused_in_one_readable_line()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.IrVersion = 999;
        Assert.Equal("ONNX Runtime cannot load the model: Unsupported model IR version: 999, max supported IR version: 13",
            Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "ir.onnx")).Message);
    }

    [Fact]
    public void A_model_without_nodes_is_refused()
    {
        var model = new Onnx.ModelProto { IrVersion = 7, Graph = new Onnx.GraphProto { Name = "empty" } };
        model.OpsetImport.Add(new Onnx.OperatorSetIdProto { Version = 13 });
        Assert.Equal("The ONNX graph has no nodes.", Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "empty.onnx")).Message);
        var noGraph = new Onnx.ModelProto { IrVersion = 7 };
        Assert.Equal("The ONNX file has no graph.", Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(noGraph), "nograph.onnx")).Message);
    }

    [Fact]
    public void An_output_that_no_node_produces_is_refused()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.Graph.Output[0].Name = "nobody_makes_this";
        Assert.Equal("The graph output 'nobody_makes_this' is produced by no node.",
            Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "dangling.onnx")).Message);
    }

    [Fact]
    public void A_model_with_two_image_inputs_is_refused()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        model.Graph.Input.Add(model.Graph.Input[0].Clone());
        model.Graph.Input[1].Name = "y";
        Assert.Contains("exactly one image input is expected", Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "two.onnx")).Message);
    }
}

public class ExternalDataTests
{
    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../etc/passwd")]
    [InlineData("appsettings.json")]
    public void External_data_inside_a_constant_node_is_refused_before_onnx_runtime_sees_it(string location)
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(TinyOnnx.GapGemm());
        var tensor = new Onnx.TensorProto { Name = "c", DataType = 1, DataLocation = Onnx.TensorProto.Types.DataLocation.External };
        tensor.Dims.Add(4);
        tensor.ExternalData.Add(new Onnx.StringStringEntryProto { Key = "location", Value = location });
        var node = new Onnx.NodeProto { OpType = "Constant", Name = "sneaky" };
        node.Output.Add("sneaky_out");
        node.Attribute.Add(new Onnx.AttributeProto { Name = "value", Type = Onnx.AttributeProto.Types.AttributeType.Tensor, T = tensor });
        model.Graph.Node.Insert(0, node);
        var ex = Assert.Throws<ModelException>(() => ModelLoader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "ext.onnx"));
        Assert.Equal("The attribute 'value' of node 'sneaky' keeps its data in an external file; only single-file models are accepted (external data is refused).", ex.Message);
    }
}
