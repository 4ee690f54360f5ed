package tallrec.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import tallrec.spark.JobProfile;
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

  @Option(names = "--reference", paramLabel = "SCRIPT",
      description = "Also run the reference algorithm on each size's raw files (e.g."
          + " ../shared/reference/run_preprocess_movie.sh: preprocess_movie.py emitting every window; needs python3"
          + " and pandas) and print its wall time, peak RSS and windows beside ours.")
  String reference;

  @Option(names = "--profile", description = "Per size, where the time went: wall, task and CPU seconds, GC and bytes"
      + " read, shuffled, spilled and written, per phase (Spark job description) of ingest and instructions.")
  boolean profile;

  @Override
  public Integer call() throws Exception {
    TallRecConf conf = common.resolve(Map.of("instructions.mode", "temporal"));
    SparkSession spark = Jobs.spark(conf, "bench dataset");
    DomainSpec domain = DomainSpec.of("movie", conf.section("domains"));
    InstructionSettings temporal = InstructionSettings.from(conf);
    List<DatasetBench.Row> rows = new ArrayList<>();
    // The heap bound is the JVM's (-Xmx, TALLREC_JAVA_OPTS): with a local master all of Spark runs in it.
    System.out.printf("driver JVM heap limit %,d MiB, spark.master %s, %d cores, %s%n", Runtime.getRuntime().maxMemory() >> 20,
        spark.sparkContext().master(), Runtime.getRuntime().availableProcessors(), JitMode.describe());
    JobProfile jobs = profile ? JobProfile.attach(spark.sparkContext()) : null;
    for (long n : sizes) {
      String raw = work + "/raw-" + n;
      long t0 = System.nanoTime();
      new SyntheticMovieLens(SynthParams.fromConfig(conf.with("synth.ratings", n).section("synth"))).writeTo(raw, true);
      System.out.printf("synth %,d ratings: %.1f s (not part of the measured stages)%n", n, (System.nanoTime() - t0) / 1e9);
      if (jobs != null) {
        jobs.reset();
      }
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
      verify(row, raw, temporal.minHistory());
      DatasetBench.print(List.of(row), System.out);
      if (jobs != null) {
        System.out.printf("where the %.1f s of %,d ratings went:%n", row.totalSeconds(), n);
        jobs.print(row.totalSeconds(), System.out);
      }
      if (reference != null) {
        ReferenceRun ref = ReferenceRun.run(reference, raw, work + "/reference-" + n);
        System.out.printf("reference on the same %,d ratings: %.1f s, peak RSS %,d MiB, %,d windows; ours %.1f s"
            + " in-JVM (%.2fx faster), %,d samples%n", n, ref.seconds(), ref.peakRssKb() >> 10, ref.windows(),
            row.totalSeconds(), ref.seconds() / row.totalSeconds(), row.samples());
      }
    }
    System.out.println();
    DatasetBench.print(rows, System.out);
    return 0;
  }

  /** Checks the samples against windows counted from the raw file without Spark; fails the bench when they differ. */
  static void verify(DatasetBench.Row row, String rawDir, int minHistory) throws IOException {
    long t0 = System.nanoTime();
    long expected = DatasetBench.independentWindowCount(Paths.get(rawDir, "u.data"), minHistory);
    if (row.rejects() != 0 || expected != row.samples()) {
      throw new IllegalStateException(String.format("%,d ratings: %,d samples, but %,d windows counted from %s/u.data"
          + " without Spark (ingest rejected %,d lines)", row.ratings(), row.samples(), expected, rawDir, row.rejects()));
    }
    System.out.printf("verified: %,d samples = %,d windows counted from the raw file without Spark (%.1f s, not"
        + " measured); ingest rejected nothing%n", row.samples(), expected, (System.nanoTime() - t0) / 1e9);
  }

  /** What the reference script printed: {@code reference wall S s, peak RSS K KB} and {@code windows: N}. */
  record ReferenceRun(double seconds, long peakRssKb, long windows) {

    static ReferenceRun run(String script, String rawDir, String workDir) throws IOException, InterruptedException {
      ProcessBuilder pb = new ProcessBuilder("bash", script, rawDir, workDir).redirectErrorStream(true);
      // The script runs `python3`; the first on PATH may lack pandas (a pyenv shim, a venv) while
      // the system's has it: put the first python3 that imports pandas in front.
      java.nio.file.Path python = pythonWithPandas();
      if (python == null) {
        throw new IllegalStateException("--reference needs a python3 with pandas on PATH (apt-get install python3-pandas)");
      }
      java.nio.file.Path shim = Files.createTempDirectory("tallrec-ref-python");
      Files.createSymbolicLink(shim.resolve("python3"), python);
      pb.environment().put("PATH", shim + File.pathSeparator + System.getenv("PATH"));
      String out;
      int rc;
      try {
        Process p = pb.start();
        out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        rc = p.waitFor();
      } finally {
        Files.deleteIfExists(shim.resolve("python3"));
        Files.deleteIfExists(shim);
      }
      Matcher wall = Pattern.compile("reference wall ([0-9.]+) s, peak RSS ([0-9]+) KB").matcher(out);
      Matcher windows = Pattern.compile("windows: ([0-9]+)").matcher(out);
      if (rc != 0 || !wall.find() || !windows.find()) {
        throw new IllegalStateException("reference script " + script + " failed (exit " + rc + "): "
            + out.strip().lines().reduce((a, b) -> b).orElse("no output"));
      }
      return new ReferenceRun(Double.parseDouble(wall.group(1)), Long.parseLong(wall.group(2)),
          Long.parseLong(windows.group(1)));
    }

    /** The first {@code python3} on PATH that can import pandas, or null. */
    static java.nio.file.Path pythonWithPandas() throws InterruptedException {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        java.nio.file.Path candidate = Paths.get(dir.isEmpty() ? "." : dir, "python3");
        if (!Files.isExecutable(candidate)) {
          continue;
        }
        try {
          Process probe = new ProcessBuilder(candidate.toString(), "-c", "import pandas").redirectErrorStream(true)
              .start();
          probe.getInputStream().readAllBytes();
          if (probe.waitFor() == 0) {
            return candidate;
          }
        } catch (IOException e) {
          // not runnable: try the next
        }
      }
      return null;
    }
  }
}
