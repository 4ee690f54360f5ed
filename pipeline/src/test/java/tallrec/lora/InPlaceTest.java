package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InPlaceTest {

  /**
   * A value copied in through a second handle of the same tensor (as getGradient() gives) survives
   * that handle's close, a GC, and the freed blocks' reuse by Java buffers full of a pattern.
   */
  @Test
  void copiedValuesLiveInTorchMemoryAfterTheHandleCloses() throws InterruptedException {
    int n = 256;
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      c[i] = i - 100.5f;
    }
    try (NDManager root = NDManager.newBaseManager()) {
      NDArray param = root.ones(new Shape(n));
      param.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(param.sum());
      }
      try (NDManager scope = root.newSubManager(); NDArray g = param.getGradient()) {
        InPlace.copy(scope.create(c), g);
      }
      List<ByteBuffer> reuse = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        System.gc();
        Thread.sleep(20);
        for (int j = 0; j < 200; j++) {
          ByteBuffer b = ByteBuffer.allocateDirect(n * 4);
          while (b.hasRemaining()) {
            b.put((byte) 0x41);
          }
          reuse.add(b);
        }
      }
      try (NDArray g = param.getGradient()) {
        assertArrayEquals(c, g.toFloatArray());
      }
    }
  }

  @Test
  void convertsTypeOverwritesNonFiniteAndChecksShape() {
    try (NDManager root = NDManager.newBaseManager()) {
      NDArray dst = root.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f, 2f}, new Shape(2, 2));
      InPlace.copy(root.create(new double[] {0.25, -1.5, 3, 4}, new Shape(2, 2)), dst);
      assertEquals(DataType.FLOAT32, dst.getDataType());
      assertArrayEquals(new float[] {0.25f, -1.5f, 3f, 4f}, dst.toFloatArray());
      dst.set(new ai.djl.ndarray.index.NDIndex("0, 0"), Float.NaN);
      InPlace.fill(dst, 0f);
      assertArrayEquals(new float[4], dst.toFloatArray());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InPlace.copy(root.zeros(
          new Shape(4)), dst));
      assertEquals("cannot copy a (4) tensor into a (2, 2) one", e.getMessage());
    }
  }
}
