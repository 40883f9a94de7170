using MathNet.Numerics.LinearAlgebra;

namespace InfoCamWeb.Core.Cams;

/// <summary>
/// Eigen-CAM (Muhammad and Yeasin, 2020) as pytorch-grad-cam's <c>get_2d_projection</c> computes it: the activations as
/// an (h w) x K matrix, each channel centred over the plane, projected on their first right singular vector. The
/// singular vector's sign is arbitrary (LAPACK decides it in pytorch-grad-cam); here it is the one whose projection
/// correlates positively with the channel-sum map <c>sum_k A[k]</c>, ties broken by a positive largest entry.
/// </summary>
internal static class EigenCam
{
    public static double[] Projection(ReadOnlySpan<float> features, int channels, int plane)
    {
        var x = Centered(features, channels, plane);
        var projection = plane <= channels ? FromGram(x) : FromCovariance(x);
        if (OrientationSign(projection, features, channels, plane) < 0)
        {
            for (int p = 0; p < projection.Length; p++) projection[p] = -projection[p];
        }
        return projection;
    }

    /// <summary>X[p, k] = A[k, p] - mean_p A[k, p], NaN read as 0 (as pytorch-grad-cam does).</summary>
    private static Matrix<double> Centered(ReadOnlySpan<float> features, int channels, int plane)
    {
        var x = Matrix<double>.Build.Dense(plane, channels);
        for (int k = 0; k < channels; k++)
        {
            var a = features.Slice(k * plane, plane);
            double mean = 0;
            foreach (var v in a) mean += float.IsNaN(v) ? 0 : v;
            mean /= plane;
            for (int p = 0; p < plane; p++) x[p, k] = (float.IsNaN(a[p]) ? 0 : a[p]) - mean;
        }
        return x;
    }

    /// <summary>X v = sigma u, with u the top eigenvector of X X^T and sigma^2 its eigenvalue (fewer positions than channels).</summary>
    private static double[] FromGram(Matrix<double> x)
    {
        var (value, vector) = Top(x * x.Transpose());
        double sigma = Math.Sqrt(Math.Max(value, 0));
        return vector.Multiply(sigma).ToArray();
    }

    /// <summary>X v with v the top eigenvector of X^T X (fewer channels than positions).</summary>
    private static double[] FromCovariance(Matrix<double> x)
    {
        var (_, vector) = Top(x.Transpose() * x);
        return (x * vector).ToArray();
    }

    private static (double Value, Vector<double> Vector) Top(Matrix<double> symmetric)
    {
        var evd = symmetric.Evd(Symmetricity.Symmetric);
        int best = 0;
        for (int i = 1; i < evd.EigenValues.Count; i++)
        {
            if (evd.EigenValues[i].Real > evd.EigenValues[best].Real) best = i;
        }
        return (evd.EigenValues[best].Real, evd.EigenVectors.Column(best));
    }

    private static int OrientationSign(double[] projection, ReadOnlySpan<float> features, int channels, int plane)
    {
        double dot = 0;
        for (int p = 0; p < plane; p++)
        {
            double sum = 0;
            for (int k = 0; k < channels; k++)
            {
                float v = features[k * plane + p];
                sum += float.IsNaN(v) ? 0 : v;
            }
            dot += projection[p] * sum;
        }
        if (dot != 0) return Math.Sign(dot);
        int largest = 0;
        for (int p = 1; p < plane; p++)
        {
            if (Math.Abs(projection[p]) > Math.Abs(projection[largest])) largest = p;
        }
        return projection[largest] < 0 ? -1 : 1;
    }
}
