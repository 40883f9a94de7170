using InfoCamWeb.Core.Datasets;

namespace InfoCamWeb.Core.Tests.Datasets;

/// <summary>Class ids are model outputs as they stand: a subset keeps its ids, gaps and all.</summary>
public class ClassIdTests
{
    [Fact]
    public void Cub_class_ids_with_gaps_map_by_id_not_by_position()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        dir.Write("classes.txt", "17 a\n145 b\n");
        dir.Write("image_class_labels.txt", "1 17\n2 145\n3 17\n");
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal([16, 144, 16], ds.Images.Select(i => i.ClassIndex));
        Assert.Equal(145, ds.ClassCount);
        Assert.Equal(("17", "a", "b"), (ds.LabelOf(16), ds.NameOf(16), ds.NameOf(144)));
        Assert.Equal(2, ds.ClassesUsed(DatasetSplit.All));
        Assert.Equal("image_class_labels.txt, line 2", ds.Images[1].LabelWhere);
    }

    [Fact]
    public void A_cub_label_that_classes_txt_does_not_list_is_refused_with_the_ids_it_does()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        dir.Write("classes.txt", "17 a\n145 b\n");
        dir.Write("image_class_labels.txt", "1 17\n2 18\n3 17\n");
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Equal("image_class_labels.txt, line 2, class id: 18 is not in classes.txt (classes 17, 145).", ex.Problems[0].ToString());
    }

    [Fact]
    public void A_class_id_above_the_limit_is_refused_with_its_line()
    {
        using var dir = new TempDir();
        TinyCub.Write(dir, "");
        dir.Write("classes.txt", "1 a\n100001 b\n");
        var ex = Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path));
        Assert.Equal("classes.txt, line 2, class id: 100001 is implausibly large (limit 100000).", ex.Problems[0].ToString());
    }

    [Fact]
    public void Wsolevaluation_labels_17_and_145_stay_outputs_17_and_145()
    {
        using var dir = new TempDir();
        dir.Write("test/image_ids.txt", "a/1.jpg\nb/2.jpg\n");
        dir.Write("test/class_labels.txt", "a/1.jpg,17\nb/2.jpg,145\n");
        dir.Write("test/localization.txt", "a/1.jpg,1,2,3,4\nb/2.jpg,0,0,5,5\n");
        dir.Write("a/1.jpg", "x");
        dir.Write("b/2.jpg", "x");
        var ds = DatasetLoader.Load(dir.Path);
        Assert.Equal([17, 145], ds.Images.Select(i => i.ClassIndex));
        Assert.Equal(("17", "145", 146), (ds.LabelOf(17), ds.NameOf(145), ds.ClassCount));
        Assert.Equal("test/class_labels.txt, line 2", ds.Images[1].LabelWhere);
    }
}
