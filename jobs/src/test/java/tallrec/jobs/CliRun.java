package tallrec.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code tallrec} call: its exit code and what it printed on stdout and stderr (in a child JVM:
 * both in {@code out}).
 */
record CliRun(int rc, String out, String err) {

  static CliRun of(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      rc = TallRecCli.execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    CliRun r = new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    System.out.print(r.out()); // keep the command's output in the test report
    return r;
  }

  /**
   * {@code tallrec ARGS} in a fresh child JVM with this one's options and class path (as a real
   * invocation runs: a JVM where other tests ran can round torch's CPU kernels differently), its
   * output written to {@code log}; fails the test if it runs past {@code timeoutSeconds}.
   */
  static CliRun inChildJvm(Path log, List<String> jvmOptions, long timeoutSeconds, List<String> args)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
    cmd.add("-Xmx2g");
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TallRecCli.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("child JVM ran past " + timeoutSeconds + " s: tallrec " + args + "\n"
          + Files.readString(log));
    }
    return new CliRun(p.exitValue(), Files.readString(log), "");
  }

  /** The CLI's own error line (Spark may log on stderr too). */
  String errorLine() {
    return err.lines().filter(l -> l.startsWith("tallrec ")).reduce((a, b) -> b).orElse(err);
  }
}
