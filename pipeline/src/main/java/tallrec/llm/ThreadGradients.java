package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records autograd on the calling thread only, for models trained side by side on several
 * threads of one JVM. DJL's {@code PtGradientCollector} allows one collector per process (a static
 * flag: "Only one can be collecting at a time") although torch's grad mode is per thread; this
 * does what it does — grad mode on until closed, then the thread's previous mode, and
 * {@code backward} seeded with ones — without the process-wide flag. PyTorch engine only.
 */
public final class ThreadGradients implements AutoCloseable {

  private final boolean before;

  private ThreadGradients() {
    before = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
  }

  /** Starts recording on this thread. */
  public static ThreadGradients record() {
    return new ThreadGradients();
  }

  /** Accumulates d(loss)/d(parameter) into every parameter's gradient; {@code loss} is a scalar. */
  public void backward(NDArray loss) {
    if (!(loss instanceof PtNDArray pt)) {
      throw new IllegalArgumentException("ThreadGradients needs the PyTorch engine, got " + loss.getClass().getName());
    }
    try (NDArray seed = loss.onesLike()) {
      JniUtils.backward(pt, (PtNDArray) seed, false, false);
    }
  }

  @Override
  public void close() {
    JniUtils.setGradMode(before);
  }
}
