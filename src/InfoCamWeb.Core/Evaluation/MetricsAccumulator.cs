using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>Sums of per-image outcomes; turns them into the protocol's scores (docs/wsol-protocol.md, "Scores").</summary>
public sealed class MetricsAccumulator
{
    private readonly IReadOnlyList<CamMethod> _methods;
    private readonly double[] _thresholds;
    private readonly int _classes;
    private readonly IReadOnlyList<int> _multiIoUs;
    private readonly long[][] _largest50;
    private readonly long[][][] _any;
    private readonly long[] _gtKnown, _top1Loc, _top5Loc, _pointing, _pointingUnknown;
    private readonly double[] _energy;
    private readonly long[,] _classGtKnown, _classPointing;
    private readonly double[,] _classEnergy;
    private readonly long[] _classCount;
    private readonly long[]?[] _objectHist, _backgroundHist;
    private long _n, _top1, _top5;
    private double _ce, _pc;

    /// <param name="multiIoUs">MaxBoxAccV2's IoU list in percent, in the order of the hit bits (null: 30, 50, 70).</param>
    public MetricsAccumulator(IReadOnlyList<CamMethod> methods, double[] thresholds, int classes, IReadOnlyList<int>? multiIoUs = null)
    {
        _methods = methods;
        _multiIoUs = multiIoUs ?? MultiIoUs.Default;
        _thresholds = thresholds;
        _classes = classes;
        long[][] Make() => methods.Select(_ => new long[thresholds.Length]).ToArray();
        _largest50 = Make();
        _any = _multiIoUs.Select(_ => Make()).ToArray();
        _gtKnown = new long[methods.Count];
        _top1Loc = new long[methods.Count];
        _top5Loc = new long[methods.Count];
        _classGtKnown = new long[methods.Count, classes];
        _pointing = new long[methods.Count];
        _pointingUnknown = new long[methods.Count];
        _energy = new double[methods.Count];
        _classPointing = new long[methods.Count, classes];
        _classEnergy = new double[methods.Count, classes];
        _classCount = new long[classes];
        _objectHist = new long[]?[methods.Count];
        _backgroundHist = new long[]?[methods.Count];
    }

    public long Count => _n;

    public void Add(ImageOutcome o)
    {
        _n++;
        bool top1 = o.PredictedClass == o.TrueClass;
        if (top1) _top1++;
        if (o.Top5) _top5++;
        _ce += o.CrossEntropy;
        _pc += o.PcLogRatio;
        _classCount[o.TrueClass]++;
        for (int m = 0; m < _methods.Count; m++)
        {
            var mo = o.Methods[m];
            var hits = mo.Hits;
            for (int k = 0; k < hits.Length; k++)
            {
                byte h = hits[k];
                if ((h & HitFlags.Largest50) != 0) _largest50[m][k]++;
                for (int i = 0; i < _any.Length; i++)
                {
                    if ((h & HitFlags.Any(i)) != 0) _any[i][m][k]++;
                }
            }
            if (mo.FixedIoU >= 0.5)
            {
                _gtKnown[m]++;
                _classGtKnown[m, o.TrueClass]++;
                if (top1) _top1Loc[m]++;
                if (o.Top5) _top5Loc[m]++;
            }
            AddHistograms(m, mo);
            // Outcomes stored before the pointing games were kept (NaN energy) make both games unknown for the run.
            if (double.IsNaN(mo.EnergyShare))
            {
                _pointingUnknown[m]++;
                continue;
            }
            if (mo.PointingHit)
            {
                _pointing[m]++;
                _classPointing[m, o.TrueClass]++;
            }
            _energy[m] += mo.EnergyShare;
            _classEnergy[m, o.TrueClass] += mo.EnergyShare;
        }
    }

    private void AddHistograms(int m, MapOutcome mo)
    {
        if (mo.ObjectHistogram is not { } obj || mo.BackgroundHistogram is not { } bg) return;
        var sumObj = _objectHist[m] ??= new long[obj.Length];
        var sumBg = _backgroundHist[m] ??= new long[bg.Length];
        for (int k = 0; k < obj.Length; k++)
        {
            sumObj[k] += obj[k];
            sumBg[k] += bg[k];
        }
    }

    public ClassificationScores Classification(int modelClasses, bool hasPriors)
    {
        double n = Math.Max(_n, 1);
        return new ClassificationScores(
            100.0 * _top1 / n, 100.0 * _top5 / n,
            Math.Log(modelClasses) - _ce / n,
            hasPriors ? _pc / n : null);
    }

    public Dictionary<string, MethodScores> Methods(Func<int, string> classLabel)
    {
        var result = new Dictionary<string, MethodScores>();
        double n = Math.Max(_n, 1);
        for (int m = 0; m < _methods.Count; m++)
        {
            var curve = _largest50[m].Select(c => 100.0 * c / n).ToArray();
            int best = 0;
            for (int k = 1; k < curve.Length; k++)
            {
                if (curve[k] > curve[best]) best = k;
            }
            int mi = m;
            var byIoU = _any.Select(any => 100.0 * (any[mi].Length == 0 ? 0 : any[mi].Max()) / n).ToArray();
            int method = m;
            bool known = _pointingUnknown[m] == 0;
            var perClass = PerClass(classLabel, c => _classGtKnown[method, c]);
            result[_methods[m].Key()] = new MethodScores
            {
                GtKnownLoc = 100.0 * _gtKnown[m] / n,
                Top1Loc = 100.0 * _top1Loc[m] / n,
                Top5Loc = 100.0 * _top5Loc[m] / n,
                MaxBoxAcc = curve.Length == 0 ? 0 : curve[best],
                MaxBoxAccThreshold = _thresholds.Length == 0 ? 0 : _thresholds[best],
                MaxBoxAccV2 = byIoU.Sum() / byIoU.Length,
                MaxBoxAccV2ByIou = _multiIoUs.Select((d, i) => (d, i)).ToDictionary(p => MultiIoUs.Key(p.d), p => byIoU[p.i]),
                BoxAccCurve = curve,
                PerClassGtKnownLoc = perClass,
                PointingGame = known ? 100.0 * _pointing[m] / n : null,
                EnergyPointingGame = known ? 100.0 * _energy[m] / n : null,
                PerClassPointingGame = known ? PerClass(classLabel, c => _classPointing[method, c]) : [],
                PerClassEnergyPointingGame = known ? PerClass(classLabel, c => _classEnergy[method, c]) : [],
            };
            if (_objectHist[m] is { } obj && _backgroundHist[m] is { } bg)
            {
                var bestIoU = PixelPrecision.BestIoU(obj, bg, _thresholds);
                result[_methods[m].Key()] = result[_methods[m].Key()] with
                {
                    Pxap = PixelPrecision.AveragePrecision(obj, bg),
                    BestPixelIoU = bestIoU?.IoU,
                    BestPixelIoUThreshold = bestIoU?.Threshold,
                };
            }
        }
        return result;
    }

    /// <summary>100 x the class's sum over its image count, keyed by class label, for the classes with images.</summary>
    private Dictionary<string, double> PerClass(Func<int, string> classLabel, Func<int, double> sum)
    {
        var perClass = new Dictionary<string, double>();
        for (int c = 0; c < _classes; c++)
        {
            if (_classCount[c] > 0)
            {
                perClass[classLabel(c)] = 100.0 * sum(c) / _classCount[c];
            }
        }
        return perClass;
    }
}
