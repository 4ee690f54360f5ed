package tallrec.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One in-process {@code tallrec} call: its exit code and what it printed on stdout and stderr. */
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

  /** The CLI's own error line (Spark may log on stderr too). */
  String errorLine() {
    return err.lines().filter(l -> l.startsWith("tallrec ")).reduce((a, b) -> b).orElse(err);
  }
}
