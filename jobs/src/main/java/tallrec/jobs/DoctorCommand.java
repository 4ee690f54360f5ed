package tallrec.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tallrec.llm.DtypeProbe;
import tallrec.llm.Precision;
import tallrec.train.Tuning;

/**
 * {@code tallrec doctor}: what this JVM's deep-learning engine can do here — engine and natives,
 * devices, which dtypes work on each and how fast they multiply — and where a model would run for
 * the requested device and precision. Exits 1 with a one-line reason when that is not possible.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Engine, devices, usable dtypes and matmul rates; where the model would run.")
public final class DoctorCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--device", paramLabel = "auto|cpu|gpu|gpu:N", defaultValue = "auto",
      description = "The device to check (default: auto, the engine's default device).")
  String device;

  @Option(names = "--precision", paramLabel = "auto|f32|f16|bf16", defaultValue = "auto",
      description = "The precision to check (default: auto: f16 on a GPU, f32 on the CPU).")
  String precision;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "2",
      description = "Matmul timing per device and dtype, in seconds (default: 2; 0 skips it).")
  double seconds;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Device requested = parseDevice(device);
    Engine engine = Engine.getInstance();
    EngineReport.describe(engine).forEach(l -> row(out, l[0], l[1]));
    List<Device> devices = new ArrayList<>(List.of(engine.getDevices()));
    if (!devices.contains(Device.cpu())) {
      devices.add(0, Device.cpu());
    }
    for (Device d : devices) {
      row(out, DtypeProbe.deviceName(d), EngineReport.deviceInfo(d));
    }
    out.printf("%-8s %-5s %s%n", "device", "dtype", "works / matmul rate, or why not");
    for (Device d : devices) {
      for (Precision p : Precision.values()) {
        Optional<String> why = DtypeProbe.unusable(d, p);
        String cell = why.orElseGet(() -> seconds > 0
            ? "works, " + MatmulRate.measure(d, p.dataType(), seconds).describe() : "works");
        out.printf("%-8s %-5s %s%n", DtypeProbe.deviceName(d), p.key(), cell);
        out.flush();
      }
    }
    Device target = requested != null ? requested : engine.defaultDevice();
    if (!devices.contains(target)) {
      out.flush();
      err.println("tallrec doctor: no device " + DtypeProbe.deviceName(target) + " here: the engine sees "
          + engine.getGpuCount() + " GPUs (" + engine.getEngineName() + " " + engine.getVersion() + ", "
          + EngineReport.natives() + " natives)");
      return 1;
    }
    Precision resolved = Precision.resolve(precision, target, "--precision");
    Optional<String> why = DtypeProbe.unusable(target, resolved);
    if (why.isPresent()) {
      out.flush();
      err.println("tallrec doctor: " + why.get());
      return 1;
    }
    out.printf(Locale.ROOT, "the model would run on %s in %s%n", DtypeProbe.deviceName(target), resolved.key());
    out.flush();
    return 0;
  }

  private static Device parseDevice(String name) {
    try {
      return Tuning.device(name);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unknown device '" + name + "' (cpu, gpu, gpu:N, auto)", e);
    }
  }

  private static void row(PrintWriter out, String key, String value) {
    out.printf("%-8s %s%n", key, value);
  }
}
