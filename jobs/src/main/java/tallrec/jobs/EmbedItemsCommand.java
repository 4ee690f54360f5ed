package tallrec.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.baselines.text.ItemTextEmbeddings;
import tallrec.conf.TallRecConf;

@Command(
    name = "embed-items",
    mixinStandardHelpOptions = true,
    description = {
      "samples/ -> item-embeddings/: one all-MiniLM-L6-v2 vector (384 floats, L2-normalised) per distinct item,",
      "embedding the item's prompt text, computed across executors and cached as Parquet",
      "(item_id, text, embedding array<float>) with a manifest; reused while the samples are unchanged."
    })
public final class EmbedItemsCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--samples", required = true, paramLabel = "DATASET_DIR/samples", description = "Samples written by instructions.")
  String samples;

  @Option(names = "--out", paramLabel = "PATH", description = "Where the vectors go (default: item-embeddings/ beside samples/).")
  String out;

  @Option(names = "--batch-size", paramLabel = "N", description = "Texts per forward pass (default: baselines.item-embeddings.batch-size).")
  Integer batchSize;

  @Override
  public Integer call() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("baselines.item-embeddings.batch-size", batchSize);
    TallRecConf conf = common.resolve(flags);
    ItemTextEmbeddings.Settings s = ItemTextEmbeddings.Settings.fromConfig(conf.section("baselines.item-embeddings"));
    SparkSession spark = Jobs.spark(conf, "embed-items");
    Path samplesPath = new Path(samples);
    Path target = out != null ? new Path(out) : ItemTextEmbeddings.besideSamples(samplesPath);
    ItemTextEmbeddings.Result r = ItemTextEmbeddings.ensure(spark, samplesPath, target, s);
    if (r.reused()) {
      System.out.printf("embed-items -> %s: %,d items, up to date (manifest matches the samples), reused%n",
          r.path(), r.items());
    } else {
      System.out.printf("embed-items -> %s: %,d items in %.1f s (%.1f items/s)%n", r.path(), r.items(), r.seconds(),
          r.items() / r.seconds());
    }
    return 0;
  }
}
