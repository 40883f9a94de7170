using Onnx;

namespace InfoCamWeb.Core.Models;

/// <summary>
/// Refuses what ONNX Runtime must never see from an upload (docs/threats.md decisions 2 and 3): tensors stored in
/// external files, anywhere in the model, and operators outside the default ONNX domain.
/// </summary>
public static class ModelSafety
{
    public static void Check(ModelProto model)
    {
        foreach (var fn in model.Functions)
        {
            throw new ModelException($"The model defines a local function '{fn.Name}'; only standard ONNX operators are accepted.");
        }
        CheckGraph(model.Graph, "graph");
    }

    private static void CheckGraph(GraphProto graph, string where)
    {
        foreach (var t in graph.Initializer)
        {
            CheckTensor(t, $"initializer '{t.Name}'");
        }
        foreach (var s in graph.SparseInitializer)
        {
            CheckTensor(s.Values, $"sparse initializer '{s.Values?.Name}'");
            CheckTensor(s.Indices, $"sparse initializer '{s.Values?.Name}' indices");
        }
        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw new ModelException($"Node '{node.Name}' uses operator {node.OpType} of domain '{node.Domain}'; only standard ONNX operators (default domain) are accepted.");
            }
            foreach (var a in node.Attribute)
            {
                CheckTensor(a.T, $"attribute '{a.Name}' of node '{node.Name}'");
                foreach (var t in a.Tensors) CheckTensor(t, $"attribute '{a.Name}' of node '{node.Name}'");
                if (a.SparseTensor is { } sp) CheckTensor(sp.Values, $"attribute '{a.Name}' of node '{node.Name}'");
                if (a.G is { } g) CheckGraph(g, $"subgraph of node '{node.Name}'");
                foreach (var sg in a.Graphs) CheckGraph(sg, $"subgraph of node '{node.Name}'");
            }
        }
        _ = where;
    }

    private static void CheckTensor(TensorProto? t, string what)
    {
        if (t is null) return;
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
        {
            throw new ModelException($"The {what} keeps its data in an external file; only single-file models are accepted (external data is refused).");
        }
    }
}
