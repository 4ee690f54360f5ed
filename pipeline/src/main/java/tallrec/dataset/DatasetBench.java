package tallrec.dataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Ingest;
import tallrec.io.Fs;

/**
 * The dataset scale benchmark: {@code ingest} + {@code instructions --mode temporal} on synthetic
 * inputs of growing size, measured side by side in one JVM, so the growth of time with size (the
 * claim: about linear, because everything streams through Spark) is read from ratios, not from
 * absolute times on a noisy machine.
 */
public final class DatasetBench {

  /** One measured size. */
  public record Row(long ratings, double ingestSeconds, double instructionsSeconds, long samples,
      long peakHeapBytes, long peakRssBytes, long outputBytes, long rejects) {

    public double totalSeconds() {
      return ingestSeconds + instructionsSeconds;
    }
  }

  /** The measured stage runners, as the jobs run them. */
  public interface Stages {
    Ingest.Result ingest(Path out);

    Instructions.Result instructions(Path dataset);
  }

  private DatasetBench() {}

  public static Row measure(SparkSession spark, long ratings, Path out, Stages stages) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Fs.deleteRecursively(out, conf);
    System.gc();
    try (PeakHeap heap = PeakHeap.start()) {
      long t0 = System.nanoTime();
      long rejects = stages.ingest(out).rejects();
      long t1 = System.nanoTime();
      Instructions.Result r = stages.instructions(out);
      long t2 = System.nanoTime();
      long samples = r.splitCounts().values().stream().mapToLong(Long::longValue).sum();
      long bytes;
      try {
        bytes = Fs.of(out, conf).getContentSummary(out).getLength();
      } catch (IOException e) {
        bytes = -1;
      }
      return new Row(ratings, (t1 - t0) / 1e9, (t2 - t1) / 1e9, samples, heap.peak(), peakRss(), bytes, rejects);
    }
  }

  /**
   * The number of temporal windows counted without Spark, from the raw MovieLens-format ratings
   * file ({@code user \t item \t rating \t ts}): every rating whose user has at least
   * {@code minHistory} earlier ratings is one window, so a user with n ratings gives
   * max(0, n − minHistory). Exact for synthetic inputs, whose lines all parse and whose users rate
   * distinct known items (the bench checks ingest rejected nothing); a check of the pipeline's
   * row counts that shares no code with it.
   */
  public static long independentWindowCount(java.nio.file.Path ratings, int minHistory) throws IOException {
    Map<String, int[]> perUser = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(ratings, StandardCharsets.ISO_8859_1)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int tab = line.indexOf('\t');
        if (tab > 0) {
          perUser.computeIfAbsent(line.substring(0, tab), u -> new int[1])[0]++;
        }
      }
    }
    long windows = 0;
    for (int[] n : perUser.values()) {
      windows += Math.max(0, n[0] - minHistory);
    }
    return windows;
  }

  /** Prints the table and the growth ratios against the smallest size. */
  public static void print(List<Row> rows, PrintStream o) {
    o.printf("%12s %10s %14s %10s %14s %12s %12s %12s %12s%n", "ratings", "ingest s", "instructions s",
        "total s", "ratings/s", "samples", "peak heap", "peak RSS", "output");
    for (Row r : rows) {
      o.printf("%,12d %10.1f %14.1f %10.1f %,14.0f %,12d %12s %12s %12s%n", r.ratings(), r.ingestSeconds(),
          r.instructionsSeconds(), r.totalSeconds(), r.ratings() / r.totalSeconds(), r.samples(),
          mib(r.peakHeapBytes()), mib(r.peakRssBytes()), mib(r.outputBytes()));
    }
    if (rows.size() > 1) {
      Row base = rows.get(0);
      for (Row r : rows.subList(1, rows.size())) {
        double size = (double) r.ratings() / base.ratings();
        double time = r.totalSeconds() / base.totalSeconds();
        o.printf("%,d vs %,d ratings: size x%.1f, time x%.2f (time/size = %.2f; 1.0 is linear)%n",
            r.ratings(), base.ratings(), size, time, time / size);
      }
    }
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format("%,d MiB", bytes >> 20);
  }

  /** Peak resident set size of this process so far (Linux), or -1. */
  static long peakRss() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no RSS figure
    }
    return -1;
  }

  /**
   * Samples the heap in use (all pools together) every 50 ms on a daemon thread. Not the sum of
   * each pool's own peak: eden, survivor and old generation peak at different times, and that sum
   * read above the -Xmx the JVM ran with.
   */
  static final class PeakHeap implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private PeakHeap() {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      Supplier<Long> used = () -> memory.getHeapMemoryUsage().getUsed();
      thread = new Thread(() -> {
        while (running) {
          peak.accumulateAndGet(used.get(), Math::max);
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "peak-heap");
      thread.setDaemon(true);
      thread.start();
    }

    static PeakHeap start() {
      return new PeakHeap();
    }

    long peak() {
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}
