package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/tallrec's compiler choice per command (after packaging: the launcher runs the built jars and
 * must not rebuild): the {@code score} family starts C1 only, data commands keep C2, and an option
 * in TALLREC_JAVA_OPTS overrides the choice.
 */
class LauncherJitIT {

  private static final Path LAUNCHER = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/tallrec");

  /** The first line of the command's output that starts with {@code prefix}; the command is then stopped. */
  private static String firstLine(Map<String, String> env, String prefix, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TALLREC_NO_REBUILD", "1");
    pb.environment().remove("TALLREC_JAVA_OPTS");
    pb.environment().putAll(env);
    Process p = pb.start();
    StringBuilder seen = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith(prefix)) {
          return line;
        }
        seen.append(line).append('\n');
      }
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    throw new AssertionError("no line starting with '" + prefix + "' from bin/tallrec " + List.of(args) + ":\n" + seen);
  }

  @Test
  void scoringCommandsRunC1OnlyDataCommandsKeepC2AndTheUserDecidesLast(@TempDir Path work) throws Exception {
    String c1 = "JIT C1 only (-XX:TieredStopAtLevel=1)";
    String tiered = "JIT C1 then C2 (tiered)";
    String doctor = firstLine(Map.of(), "jvm ", "doctor", "--seconds", "0");
    assertTrue(doctor.endsWith(", " + c1), doctor);
    String overridden = firstLine(Map.of("TALLREC_JAVA_OPTS", "-Xmx1g -XX:TieredStopAtLevel=4"), "jvm ",
        "doctor", "--seconds", "0");
    assertTrue(overridden.endsWith(", " + tiered), overridden);
    String data = firstLine(Map.of("TALLREC_JAVA_OPTS", "-Xmx1g"), "driver JVM heap limit", "bench", "dataset",
        "--ratings", "1000", "--work", work.toString());
    assertTrue(data.endsWith(", " + tiered), data);
  }
}
