package tallrec.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.dataset.DatasetBench;
import tallrec.dataset.DomainSpec;
import tallrec.dataset.InstructionSettings;
import tallrec.dataset.Instructions;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;

/** {@code tallrec bench dataset}: ingest + temporal instructions at growing synthetic sizes. */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = {
      "Scale benchmark of ingest + instructions (temporal) on synthetic MovieLens-format data.",
      "Prints wall time, ratings/s, peak heap and RSS, output size, and time growth vs size."
    })
public final class BenchDatasetCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--ratings", split = ",", paramLabel = "N[,N...]", defaultValue = "1000000,10000000",
      description = "Sizes to measure, smallest first (default: ${DEFAULT-VALUE}).")
  List<Long> sizes;

  @Option(names = "--work", paramLabel = "DIR", defaultValue = "tallrec-work/bench-dataset",
      description = "Scratch directory (default: ${DEFAULT-VALUE}).")
  String work;

  @Override
  public Integer call() throws Exception {
    TallRecConf conf = common.resolve(Map.of("instructions.mode", "temporal"));
    SparkSession spark = Jobs.spark(conf, "bench dataset");
    DomainSpec domain = DomainSpec.of("movie", conf.section("domains"));
    InstructionSettings temporal = InstructionSettings.from(conf);
    List<DatasetBench.Row> rows = new ArrayList<>();
    for (long n : sizes) {
      String raw = work + "/raw-" + n;
      long t0 = System.nanoTime();
      new SyntheticMovieLens(SynthParams.fromConfig(conf.with("synth.ratings", n).section("synth"))).writeTo(raw, true);
      System.out.printf("synth %,d ratings: %.1f s (not part of the measured stages)%n", n, (System.nanoTime() - t0) / 1e9);
      DatasetBench.Row row = DatasetBench.measure(spark, n, new Path(work + "/dataset-" + n), new DatasetBench.Stages() {
        @Override
        public Ingest.Result ingest(Path out) {
          return IngestCommand.run(spark, conf, "movielens100k", raw, null, null, out.toString());
        }

        @Override
        public Instructions.Result instructions(Path dataset) {
          return Instructions.run(spark, dataset, dataset, domain, temporal, null, conf.renderJson(""));
        }
      });
      rows.add(row);
      DatasetBench.print(List.of(row), System.out);
    }
    System.out.println();
    DatasetBench.print(rows, System.out);
    return 0;
  }
}
