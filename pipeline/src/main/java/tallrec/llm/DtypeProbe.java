package tallrec.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the engine can compute in a {@link Precision} on a device: arrays of that dtype, a small
 * matmul and a sum with a known, exactly representable answer.
 *
 * <p>BF16 is probed in a child JVM: on the CPU build of DJL 0.36 / libtorch 2.7.1 any BF16 array
 * aborts the whole process ("terminate called without an active exception"), which no catch block
 * survives. F32 and F16 are probed in this JVM. Answers are cached per JVM.
 */
public final class DtypeProbe {

  /** Exit code of {@link #main} when the dtype is unusable and the child said why (on stdout). */
  static final int UNUSABLE = 3;

  /** How long a child probe may take (engine start included); {@code tallrec.dtype-probe.timeout-s}. */
  static final Duration CHILD_TIMEOUT =
      Duration.ofSeconds(Long.getLong("tallrec.dtype-probe.timeout-s", 120));

  private static final Map<String, Optional<String>> CACHE = new ConcurrentHashMap<>();

  private DtypeProbe() {}

  /** A one-line reason why {@code precision} cannot be used on {@code device}; empty when it works. */
  public static Optional<String> unusable(Device device, Precision precision) {
    return CACHE.computeIfAbsent(device + "/" + precision.key(),
        k -> precision == Precision.BF16 ? ChildProbe.run(device, precision) : inProcess(device, precision));
  }

  /** {@code cpu} or {@code gpu:N}, as flags and configs spell devices. */
  public static String deviceName(Device device) {
    return device.isGpu() ? "gpu:" + device.getDeviceId() : device.getDeviceType();
  }

  static Device parseDevice(String name) {
    return name.startsWith("gpu:") ? Device.gpu(Integer.parseInt(name.substring(4))) : Device.cpu();
  }

  /**
   * (8×16 of 0.5) · (16×8 of 0.25) has every entry 2 and sums to 128, exactly in every dtype; a
   * wrong kernel or a silent fallback shows as another number.
   */
  static Optional<String> inProcess(Device device, Precision precision) {
    DataType dtype = precision.dataType();
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.full(new Shape(8, 16), 0.5f, DataType.FLOAT32).toType(dtype, false);
      NDArray b = m.full(new Shape(16, 8), 0.25f, DataType.FLOAT32).toType(dtype, false);
      NDArray sum = a.matMul(b).sum().toType(DataType.FLOAT32, false);
      float got = sum.getFloat();
      if (a.getDataType() != dtype) {
        return Optional.of(precision.key() + " on " + deviceName(device) + ": arrays come back as " + a.getDataType());
      }
      if (!Float.isFinite(got) || Math.abs(got - 128f) > 1e-3f) {
        return Optional.of(precision.key() + " on " + deviceName(device) + ": an 8x16x8 matmul sums to " + got + ", not 128");
      }
      return Optional.empty();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      return Optional.of(precision.key() + " on " + deviceName(device) + ": " + firstLine(msg));
    }
  }

  /** libtorch's messages run to paragraphs; a reason is one line, its first sentence where short enough. */
  static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl).strip();
    if (line.length() <= 160) {
      return line;
    }
    int stop = line.indexOf(". ", 20);
    return stop > 0 && stop < 160 ? line.substring(0, stop + 1) : line.substring(0, 160) + "…";
  }

  /**
   * The child side: {@code DtypeProbe DEVICE PRECISION}, e.g. {@code cpu bf16} or {@code gpu:1 f16}.
   * Exits 0 when the dtype works, {@link #UNUSABLE} with the reason on stdout when it does not, and
   * whatever the crash gives when the engine takes the process down.
   */
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: DtypeProbe cpu|gpu:N f32|f16|bf16");
      System.exit(2);
    }
    Device device = parseDevice(args[0]);
    Precision precision = Precision.resolve(args[1], device, "precision");
    Optional<String> reason = inProcess(device, precision);
    System.out.flush();
    if (reason.isPresent()) {
      System.out.println(reason.get());
      System.exit(UNUSABLE);
    }
    System.exit(0);
  }
}
