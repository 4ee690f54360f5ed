package tallrec.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark standalone cluster on 127.0.0.1 — one master, N workers, each launching its own
 * executor JVM — started from Maven's Spark jars (no Spark distribution is needed), and a
 * {@code spark-submit} of the job jar through {@code org.apache.spark.deploy.SparkSubmit}.
 *
 * <p>Every process is started and stopped by PID; {@link #close} SIGTERMs master and workers
 * (workers stop their executors), then SIGKILLs anything left after a grace period.
 */
final class StandaloneCluster implements AutoCloseable {

  private static final List<String> OPENS = List.of(
      "-XX:+IgnoreUnrecognizedVMOptions", "-XX:TieredStopAtLevel=1",
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

  private final Path sparkHome;
  private final Path logs;
  private final List<Process> daemons = new ArrayList<>();
  private final List<ProcessHandle> stopped = new ArrayList<>();
  private String masterUrl;

  StandaloneCluster(Path sparkHome, Path logs) throws IOException {
    this.sparkHome = sparkHome;
    this.logs = logs;
    // Spark's launcher refuses to start executors without a build directory for its Scala version.
    Files.createDirectories(sparkHome.resolve("launcher/target/scala-2.13"));
    Files.createDirectories(logs);
  }

  String masterUrl() {
    return masterUrl;
  }

  /** Starts the master and {@code workers} workers of one core each; returns when all registered. */
  void start(int workers, Duration timeout) throws Exception {
    Path masterLog = logs.resolve("master.log");
    daemons.add(daemon(List.of("org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0"), masterLog));
    Matcher m = waitFor(masterLog, Pattern.compile("Starting Spark master at (spark://\\S+)"), timeout);
    masterUrl = m.group(1);
    waitFor(masterLog, Pattern.compile("New state: ALIVE"), timeout);
    for (int i = 0; i < workers; i++) {
      daemons.add(daemon(List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
          "--cores", "1", "--memory", "3g", "--port", "0", "--webui-port", "0",
          "--work-dir", logs.resolve("work-" + i).toString(), masterUrl), logs.resolve("worker-" + i + ".log")));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count(masterLog, "Registering worker") < workers) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("workers did not register in " + timeout + "; see " + logs);
      }
      Thread.sleep(250);
    }
  }

  /**
   * Runs {@code spark-submit --master <this cluster> --class tallrec.jobs.TallRecCli JAR args…}
   * with one executor of one core per worker; returns the driver's exit code.
   */
  int submit(Path jobJar, List<String> args, Path driverLog, Duration timeout) throws Exception {
    return submit(masterUrl, jobJar, args, driverLog, timeout);
  }

  /** The same submission with another master, e.g. {@code local[2]} (no cluster needed). */
  int submit(String master, Path jobJar, List<String> args, Path driverLog, Duration timeout) throws Exception {
    List<String> cmd = new ArrayList<>(javaCommand());
    cmd.add("-Xmx2g");
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(List.of("--master", master, "--class", "tallrec.jobs.TallRecCli",
        "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=" + Math.max(1, daemons.size() - 1),
        "--conf", "spark.executor.memory=2g",
        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=60s",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1",
        "--conf", "spark.driver.extraJavaOptions=-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1",
        jobJar.toString()));
    cmd.addAll(args);
    Process driver = start(cmd, driverLog);
    if (!driver.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      driver.descendants().forEach(ProcessHandle::destroyForcibly);
      driver.destroyForcibly();
      throw new IllegalStateException("spark-submit did not finish in " + timeout + "; see " + driverLog);
    }
    return driver.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : daemons) {
      p.descendants().forEach(all::add);
      all.add(p.toHandle());
    }
    for (Process p : daemons) {
      p.destroy();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    for (ProcessHandle h : all) {
      while (h.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
    stopped.addAll(all);
  }

  /** After {@link #close}: true when no process this cluster started (or its children) is alive. */
  boolean stoppedEverything() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (stopped.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return !stopped.isEmpty() && stopped.stream().noneMatch(ProcessHandle::isAlive);
  }

  private Process daemon(List<String> mainAndArgs, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(javaCommand());
    cmd.add("-Xmx512m");
    cmd.add("-Dspark.master.rest.enabled=false");
    cmd.addAll(mainAndArgs);
    return start(cmd, log);
  }

  private List<String> javaCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(OPENS);
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + "/*");
    return cmd;
  }

  private Process start(List<String> cmd, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_SCALA_VERSION", "2.13");
    return pb.start();
  }

  private static Matcher waitFor(Path log, Pattern p, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher m = p.matcher(Files.readString(log));
        if (m.find()) {
          return m;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("'" + p + "' not seen in " + log + " within " + timeout);
  }

  private static int count(Path log, String needle) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    String s = Files.readString(log);
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
