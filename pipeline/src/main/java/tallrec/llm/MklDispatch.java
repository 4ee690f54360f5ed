package tallrec.llm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which MKL kernels this process's libtorch uses for F32 matmuls. On AMD CPUs MKL takes its
 * generic path unless the vendor-check shim ({@code libtallrec_mkl_intel.so}, built with the job
 * jar and preloaded by {@code bin/tallrec}) is mapped into the process; benches print this next to
 * their rates so a figure says which path produced it.
 */
public final class MklDispatch {

  /** The shim's file name (jobs/src/main/native, built into jobs/target/native). */
  public static final String SHIM_NAME = "libtallrec_mkl_intel.so";

  private MklDispatch() {}

  /** The shim's path if this process has it mapped (it only works when preloaded). */
  public static Optional<String> preloadedShim() {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return Optional.empty();
    }
    try (Stream<String> lines = Files.lines(maps, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.endsWith("/" + SHIM_NAME)).map(l -> l.substring(l.indexOf('/'))).findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** The CPU vendor from /proc/cpuinfo (GenuineIntel, AuthenticAMD, …), or "unknown". */
  public static String cpuVendor() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.startsWith("vendor_id")).map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst().orElse("unknown");
    } catch (IOException | UncheckedIOException e) {
      return "unknown";
    }
  }

  /** One line for bench and doctor output. */
  public static String describe() {
    Optional<String> shim = preloadedShim();
    String vendor = cpuVendor();
    if (shim.isPresent()) {
      return "MKL kernels chosen by instruction set (vendor check answered by " + shim.get() + "), " + vendor;
    }
    boolean amd = vendor.toLowerCase(Locale.ROOT).contains("amd");
    return "MKL default dispatch, " + vendor + (amd
        ? " (generic kernels on this AMD CPU: bin/tallrec preloads " + SHIM_NAME
            + " when it was built; TALLREC_MKL_INTEL_PATH)"
        : "");
  }
}
