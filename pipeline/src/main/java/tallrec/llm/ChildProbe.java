package tallrec.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link DtypeProbe#main} in a child JVM (same java binary), for dtypes that may take the
 * process down with them.
 */
final class ChildProbe {

  private ChildProbe() {}

  static Optional<String> run(Device device, Precision precision) {
    String where = DtypeProbe.deviceName(device);
    Path log = null;
    try {
      log = Files.createTempFile("tallrec-dtype-probe", ".log");
      List<String> cmd = command(where, precision);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(DtypeProbe.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return Optional.of(precision.key() + " on " + where + ": the probe JVM gave no answer within "
            + DtypeProbe.CHILD_TIMEOUT.toSeconds() + " s");
      }
      int rc = p.exitValue();
      List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
      if (rc == 0) {
        return Optional.empty();
      }
      if (rc == DtypeProbe.UNUSABLE && !out.isEmpty()) {
        return Optional.of(out.get(out.size() - 1).strip());
      }
      if (rc > 128) {
        return Optional.of(precision.name() + " arrays abort the PyTorch engine (DJL " + Engine.getDjlVersion()
            + ") on " + where + ": " + lastWords(out) + " (exit " + rc + signal(rc) + ")");
      }
      return Optional.of(precision.key() + " on " + where + ": the probe JVM failed: " + lastWords(out)
          + " (exit " + rc + ")");
    } catch (IOException e) {
      return Optional.of(precision.key() + " on " + where + ": cannot start the probe JVM: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(precision.key() + " on " + where + ": interrupted while probing");
    } finally {
      if (log != null) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  private static List<String> command(String device, Precision precision) {
    String javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    // A crash is the expected outcome: no core dump, and the JVM's crash report goes to the temp
    // directory rather than into the caller's working directory.
    String errorFile = Paths.get(System.getProperty("java.io.tmpdir"), "tallrec-dtype-probe-hs_err_%p.log").toString();
    List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx512m", "-XX:+IgnoreUnrecognizedVMOptions",
        "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorFile));
    // The engine's settings (offline, threads, cache dir) must be the parent's; its environment
    // (PYTORCH_*, DJL_CACHE_DIR, CUDA_VISIBLE_DEVICES) is inherited anyway.
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith("ai.djl.") || key.startsWith("PYTORCH_")) {
        cmd.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, classpath()));
    cmd.add(DtypeProbe.class.getName());
    cmd.add(device);
    cmd.add(precision.key());
    return cmd;
  }

  /**
   * Where this JVM found the probe, DJL and the engine, found by asking the classes and resources
   * themselves: under Maven they are separate jars (and target/classes), in the job jar one file, and
   * under spark-submit's --jars none of them is on java.class.path. The natives and JNI carry no
   * classes, so they are found by their property files; slf4j, JNA and Gson are what DJL's api loads.
   */
  static List<String> classpath() {
    Set<String> cp = new LinkedHashSet<>();
    for (String cls : List.of(DtypeProbe.class.getName(), "ai.djl.engine.Engine",
        "ai.djl.pytorch.engine.PtEngine", "org.slf4j.LoggerFactory", "com.sun.jna.Native",
        "com.google.gson.Gson")) {
      codeSource(cls).ifPresent(cp::add);
    }
    for (String resource : List.of("jnilib/pytorch.properties", "native/lib/pytorch.properties")) {
      for (URL url : resources(resource)) {
        jarOf(url, resource).ifPresent(cp::add);
      }
    }
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.add(entry);
      }
    }
    return new ArrayList<>(cp);
  }

  private static Optional<String> codeSource(String className) {
    try {
      CodeSource cs = Class.forName(className, false, ChildProbe.class.getClassLoader())
          .getProtectionDomain().getCodeSource();
      return cs == null || cs.getLocation() == null ? Optional.empty() : toPath(cs.getLocation());
    } catch (ClassNotFoundException | SecurityException e) {
      return Optional.empty();
    }
  }

  private static List<URL> resources(String name) {
    try {
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      return Collections.list((cl != null ? cl : ChildProbe.class.getClassLoader()).getResources(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code jar:file:/x.jar!/native/lib/p.properties} → /x.jar; {@code file:/dir/native/lib/p.properties} → /dir. */
  private static Optional<String> jarOf(URL url, String resource) {
    String s = url.toString();
    try {
      if (s.startsWith("jar:")) {
        return toPath(new URL(s.substring(4, s.indexOf("!/"))));
      }
      if (s.startsWith("file:") && s.endsWith(resource)) {
        return toPath(new URL(s.substring(0, s.length() - resource.length())));
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Optional<String> toPath(URL location) {
    try {
      return "file".equals(location.getProtocol())
          ? Optional.of(Paths.get(location.toURI()).toString()) : Optional.empty();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The child's last line that is not logging noise: libtorch's or the JVM's own last words. */
  private static String lastWords(List<String> out) {
    for (int i = out.size() - 1; i >= 0; i--) {
      String line = out.get(i).strip();
      if (!line.isEmpty() && !line.startsWith("SLF4J") && !line.startsWith("#")) {
        return line;
      }
    }
    return "no output";
  }

  private static String signal(int rc) {
    return switch (rc) {
      case 134 -> ", SIGABRT";
      case 139 -> ", SIGSEGV";
      case 137 -> ", SIGKILL";
      default -> "";
    };
  }
}
