package tallrec.spark;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;

/**
 * Where a Spark program's time goes, by phase: a listener that adds up, per job description
 * ({@code SparkContext.setJobDescription}, which a stage sets before each of its phases), the
 * jobs' wall time and their stages' task time, CPU time, GC time and bytes read, shuffled, spilled
 * and written — what the Spark UI shows per job, as one table a bench can print and compare
 * (`bench dataset --profile`). Wall time counts from each job's start to its end, so time the
 * driver spends between jobs (planning, JVM start) is not in it: the bench prints that remainder.
 */
public final class JobProfile extends SparkListener implements AutoCloseable {

  /** What one phase cost. */
  public static final class Phase {
    private int jobs;
    private int stages;
    private int tasks;
    private long wallMs;
    private long taskMs;
    private long cpuNs;
    private long gcMs;
    private long inputBytes;
    private long shuffleReadBytes;
    private long shuffleWriteBytes;
    private long spillBytes;
    private long outputBytes;

    public int jobs() {
      return jobs;
    }

    public double wallSeconds() {
      return wallMs / 1e3;
    }

    public double taskSeconds() {
      return taskMs / 1e3;
    }

    public long shuffleBytes() {
      return shuffleReadBytes + shuffleWriteBytes;
    }

    public long outputBytes() {
      return outputBytes;
    }
  }

  /** A job's description when it has none: Spark's own jobs, or code that sets none. */
  public static final String UNDESCRIBED = "(no description)";

  private final SparkContext sc;
  private final Map<Integer, Long> jobStart = new ConcurrentHashMap<>();
  private final Map<Integer, String> jobPhase = new ConcurrentHashMap<>();
  private final Map<Integer, String> stagePhase = new ConcurrentHashMap<>();
  private final Map<String, Phase> phases = new LinkedHashMap<>();

  private JobProfile(SparkContext sc) {
    this.sc = sc;
  }

  /** Starts profiling every job {@code sc} runs from now until {@link #close}. */
  public static JobProfile attach(SparkContext sc) {
    JobProfile p = new JobProfile(sc);
    sc.addSparkListener(p);
    return p;
  }

  private static String describe(java.util.Properties props) {
    String d = props == null ? null : props.getProperty("spark.job.description");
    return d == null || d.isBlank() ? UNDESCRIBED : d;
  }

  private synchronized Phase phase(String name) {
    return phases.computeIfAbsent(name, n -> new Phase());
  }

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    jobStart.put(e.jobId(), e.time());
    jobPhase.put(e.jobId(), describe(e.properties()));
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    Long start = jobStart.remove(e.jobId());
    String name = jobPhase.remove(e.jobId());
    if (start == null || name == null) {
      return;
    }
    synchronized (this) {
      Phase p = phase(name);
      p.jobs++;
      p.wallMs += Math.max(0, e.time() - start);
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    stagePhase.put(e.stageInfo().stageId(), describe(e.properties()));
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    StageInfo info = e.stageInfo();
    String name = stagePhase.remove(info.stageId());
    TaskMetrics m = info.taskMetrics();
    if (name == null || m == null) {
      return;
    }
    synchronized (this) {
      Phase p = phase(name);
      p.stages++;
      p.tasks += info.numTasks();
      p.taskMs += m.executorRunTime();
      p.cpuNs += m.executorCpuTime();
      p.gcMs += m.jvmGCTime();
      p.inputBytes += m.inputMetrics().bytesRead();
      p.shuffleReadBytes += m.shuffleReadMetrics().totalBytesRead();
      p.shuffleWriteBytes += m.shuffleWriteMetrics().bytesWritten();
      p.spillBytes += m.diskBytesSpilled();
      p.outputBytes += m.outputMetrics().bytesWritten();
    }
  }

  /**
   * The phases so far, in the order their first job started. Events reach listeners
   * asynchronously, so this waits (up to 10 s) for every started job to be reported ended.
   */
  public Map<String, Phase> phases() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!jobStart.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (this) {
      return new LinkedHashMap<>(phases);
    }
  }

  /** Forgets what was counted (between two measured sizes). */
  public synchronized void reset() {
    phases();
    phases.clear();
  }

  /**
   * Prints one line per phase: jobs, wall seconds and its share of {@code totalSeconds}, task and
   * CPU seconds, GC, input, shuffle (read + written), spill and output; then the time no job ran.
   */
  public void print(double totalSeconds, PrintStream o) {
    Map<String, Phase> snapshot = phases();
    o.printf("  %-34s %5s %9s %6s %9s %9s %7s %10s %10s %9s %10s%n", "phase (job description)", "jobs", "wall s",
        "share", "task s", "cpu s", "gc s", "input", "shuffle", "spill", "output");
    double described = 0;
    for (Map.Entry<String, Phase> e : snapshot.entrySet()) {
      String name = e.getKey();
      Phase p = e.getValue();
      described += p.wallSeconds();
      o.printf("  %-34s %5d %9.1f %5.1f%% %9.1f %9.1f %7.1f %10s %10s %9s %10s%n", clip(name), p.jobs,
          p.wallSeconds(), 100 * p.wallSeconds() / totalSeconds, p.taskSeconds(), p.cpuNs / 1e9, p.gcMs / 1e3,
          mib(p.inputBytes), mib(p.shuffleBytes()), mib(p.spillBytes), mib(p.outputBytes));
    }
    double outside = Math.max(0, totalSeconds - described);
    o.printf("  %-34s %5s %9.1f %5.1f%%   (driver work between jobs: planning, listing, commits)%n",
        "outside any job", "", outside, 100 * outside / totalSeconds);
  }

  private static String clip(String s) {
    return s.length() <= 34 ? s : s.substring(0, 33) + "…";
  }

  private static String mib(long bytes) {
    return bytes == 0 ? "-" : String.format("%,.1f MiB", bytes / 1048576.0);
  }

  @Override
  public void close() {
    sc.removeSparkListener(this);
  }
}
