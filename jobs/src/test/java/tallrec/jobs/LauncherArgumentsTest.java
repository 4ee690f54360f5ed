package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** bin/tallrec refuses a flag given without its value in one line, before building or starting anything. */
class LauncherArgumentsTest {

  private static String[] launch(String... args) throws Exception {
    Path launcher = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/tallrec");
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", launcher.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bin/tallrec " + List.of(args) + " did not end");
    }
    return new String[] {Integer.toString(p.exitValue()), new String(p.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8).strip()};
  }

  @Test
  void aFlagWithoutItsValueFailsInOneLine() throws Exception {
    for (String[] c : List.of(new String[] {"--master", "local[2]"}, new String[] {"--deploy-mode", "client"},
        new String[] {"--conf", "conf/local.conf"})) {
      String[] atEnd = launch("ingest", c[0]);
      assertEquals("2", atEnd[0], atEnd[1]);
      assertEquals("tallrec: " + c[0] + " needs a value (e.g. " + c[0] + " " + c[1] + ")", atEnd[1]);
      String[] beforeFlag = launch("ingest", c[0], "--out", "x");
      assertEquals("2", beforeFlag[0], beforeFlag[1]);
      assertEquals("tallrec: " + c[0] + " needs a value (e.g. " + c[0] + " " + c[1] + ")", beforeFlag[1]);
    }
  }

  /** The launchers pass shellcheck (installed by .ci/run; elsewhere the check is skipped when it is absent). */
  @Test
  void launchersAreShellcheckClean() throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Process probe;
    try {
      probe = new ProcessBuilder("shellcheck", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      probe.waitFor(30, TimeUnit.SECONDS);
    } catch (java.io.IOException absent) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("shellcheck is required under CI (.ci/run installs it)", absent);
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "shellcheck not installed");
      return;
    }
    Process p = new ProcessBuilder("shellcheck", root.resolve("bin/tallrec").toString(),
        root.resolve("bin/gpu-check").toString(), root.resolve(".ci/run").toString(),
        root.resolve("conf/gpu-discovery.sh").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
  }
}
