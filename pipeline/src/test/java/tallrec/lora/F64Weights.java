package tallrec.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import tallrec.llm.WeightSource;

/** Another source's weights as FLOAT64 arrays: LlamaModel then computes in double (rope/mask promote). */
public final class F64Weights implements WeightSource {

  private final WeightSource inner;

  public F64Weights(WeightSource inner) {
    this.inner = inner;
  }

  @Override
  public String describe() {
    return inner.describe() + " as F64";
  }

  @Override
  public boolean has(String name) {
    return inner.has(name);
  }

  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager) {
    NDArray f = inner.load(name, expectedShape, manager);
    NDArray d = f.toType(DataType.FLOAT64, true);
    f.close();
    return d;
  }

  @Override
  public void close() {
    inner.close();
  }
}
