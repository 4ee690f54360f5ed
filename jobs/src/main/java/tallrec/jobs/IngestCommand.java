package tallrec.jobs;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;

@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Raw ratings + item files -> interactions/, items/, rejects/ (Parquet) under --out.",
      "Sources: movielens100k (u.data, u.item), bookcrossing (BX-Book-Ratings.csv, BX-Books.csv), csv (see conf)."
    })
public final class IngestCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--source", required = true, description = "movielens100k | bookcrossing | csv")
  String source;

  @Option(names = "--input", paramLabel = "DIR", description = "Directory with the source's usual file names.")
  String input;

  @Option(names = "--ratings", paramLabel = "FILE", description = "Ratings file (overrides --input).")
  String ratings;

  @Option(names = "--items", paramLabel = "FILE", description = "Items file (overrides --input).")
  String items;

  @Option(names = "--out", required = true, paramLabel = "DATASET_DIR", description = "Dataset directory (local, hdfs://, s3a://).")
  String out;

  @Override
  public Integer call() {
    TallRecConf conf = common.resolve();
    SparkSession spark = Jobs.spark(conf, "ingest");
    Ingest.Result r = run(spark, conf, source, input, ratings, items, out);
    report(r, System.out);
    return 0;
  }

  static Ingest.Result run(SparkSession spark, TallRecConf conf, String source, String input, String ratings,
      String items, String out) {
    return Ingest.run(spark, conf, source, input, ratings, items, new Path(out));
  }

  static void report(Ingest.Result r, PrintStream o) {
    o.printf("ingest -> %s%n", r.out());
    o.printf("  interactions/  %,d rows%n", r.interactions());
    o.printf("  items/         %,d rows (%,d recovered from split fields)%n", r.items(), r.recoveredItems());
    o.printf("  rejects/       %,d rows%n", r.rejects());
    o.printf("    ratings rejects by reason: %s%n", Jobs.counts(r.ratingsRejects()));
    o.printf("    items rejects by reason:   %s%n", Jobs.counts(r.itemsRejects()));
  }
}
