package tallrec.jobs;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Which of HotSpot's compilers this JVM runs, for the benches' and the doctor's headers: whether a
 * figure was measured with C1 alone ({@code -XX:TieredStopAtLevel=1}, what {@code bin/tallrec} starts
 * local commands with, README "CPU speed") or with C2 as well.
 */
final class JitMode {

  private JitMode() {}

  static String describe() {
    try {
      HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (hs == null) {
        return "JIT unknown (not HotSpot)";
      }
      boolean tiered = Boolean.parseBoolean(hs.getVMOption("TieredCompilation").getValue());
      int level = Integer.parseInt(hs.getVMOption("TieredStopAtLevel").getValue());
      if (!tiered) {
        return "JIT C2 only (-XX:-TieredCompilation)";
      }
      return level <= 1 ? "JIT C1 only (-XX:TieredStopAtLevel=" + level + ")"
          : level < 4 ? "JIT C1 with profiling, no C2 (-XX:TieredStopAtLevel=" + level + ")" : "JIT C1 then C2 (tiered)";
    } catch (RuntimeException e) {
      return "JIT unknown (" + e.getMessage() + ")";
    }
  }
}
