package tallrec.llm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Torch's autograd switch, which is per thread: on in any thread torch has not seen before (a
 * Spark task thread, say), where an in-place update of a parameter that requires gradients then
 * fails ("a leaf Variable that requires grad is being used in an in-place operation") and every
 * inference forward records a graph. DJL turns it on only inside a GradientCollector and restores
 * the thread's previous state after; code that updates or reads parameters outside a collector
 * calls {@link #off()} first.
 */
public final class GradMode {

  private GradMode() {}

  /** Whether autograd records on this thread (inside a GradientCollector). */
  public static boolean on() {
    return "PyTorch".equals(Engine.getInstance().getEngineName()) && JniUtils.isGradMode();
  }

  /**
   * Whether a leaf (a weight, an adapter's A or B) requires a gradient. DJL's answer is right for
   * leaves only: an op's result that is on a graph reads false.
   */
  public static boolean requiresGrad(NDArray leaf) {
    return leaf instanceof PtNDArray pt && JniUtils.requiresGrad(pt);
  }

  public static void off() {
    if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
      JniUtils.setGradMode(false);
    }
  }
}
