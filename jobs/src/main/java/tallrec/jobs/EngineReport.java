package tallrec.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tallrec.llm.MklDispatch;
import tallrec.llm.NativeAttention;

/** The doctor's description of the engine, its natives and its devices. */
final class EngineReport {

  /** DJL's cache directories are named VERSION-FLAVOR-CLASSIFIER, e.g. 2.7.1-20250812-cpu-linux-x86_64. */
  private static final Pattern FLAVOR = Pattern.compile(".*-(cpu|cu\\d+)(-precxx11)?-(linux|osx|win)-[^-]+$");

  private EngineReport() {}

  static List<String[]> describe(Engine engine) {
    return List.of(
        new String[] {"engine", engine.getEngineName() + " " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ")"},
        new String[] {"natives", natives() + ", loaded from " + libtorchDir()},
        new String[] {"devices", "cpu and " + engine.getGpuCount() + " GPU" + (engine.getGpuCount() == 1 ? "" : "s")},
        new String[] {"cpu blas", MklDispatch.describe()},
        new String[] {"cpu attention", NativeAttention.describe()},
        new String[] {"jvm", System.getProperty("java.vm.name") + " " + Runtime.version() + ", " + JitMode.describe()});
  }

  /** cpu, cu124, …: which build of libtorch the engine loaded. */
  static String natives() {
    if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
      return Engine.getInstance().getEngineName();
    }
    Path dir = Paths.get(libtorchDir());
    boolean cuda = Files.exists(dir.resolve(System.mapLibraryName("torch_cuda")));
    Matcher m = FLAVOR.matcher(dir.getFileName().toString());
    String named = System.getenv("PYTORCH_FLAVOR");
    String flavor = m.matches() ? m.group(1) : named != null && !named.isEmpty() ? named : cuda ? "cuda" : "cpu";
    String override = System.getenv("PYTORCH_LIBRARY_PATH");
    return flavor + (override != null && !override.isEmpty() ? " (PYTORCH_LIBRARY_PATH)" : "");
  }

  private static String libtorchDir() {
    return LibUtils.getLibtorchPath();
  }

  static String deviceInfo(Device d) {
    if (!d.isGpu()) {
      return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch");
    }
    StringBuilder sb = new StringBuilder(gpuName(d.getDeviceId()));
    try {
      MemoryUsage mem = CudaUtils.getGpuMemory(d);
      sb.append(String.format(Locale.ROOT, ", %.1f GiB (%.1f GiB in use)",
          mem.getMax() / (double) (1L << 30), mem.getCommitted() / (double) (1L << 30)));
      sb.append(", compute capability ").append(CudaUtils.getComputeCapability(d.getDeviceId()));
    } catch (RuntimeException e) {
      sb.append(", memory unknown (").append(e.getMessage()).append(')');
    }
    return sb.toString();
  }

  /** DJL's CUDA API gives no names; nvidia-smi does where it is installed. */
  private static String gpuName(int id) {
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", String.valueOf(id))
          .redirectErrorStream(true).start();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String name = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!name.isEmpty() && !name.contains("\n")) {
          return name;
        }
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // no nvidia-smi: the name is optional
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "GPU " + id;
  }
}
