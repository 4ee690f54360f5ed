package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A llama2.c checkpoint ({@code run.c} format): a 7-int header, then F32 weights, each kind
 * stacked over layers, in run.c's order. Tensors are exposed under Hugging Face names so one
 * model class serves both formats.
 *
 * <p>llama2.c rotates interleaved pairs (0,1),(2,3)… while HF rotates halves (i, i+d/2); the q and
 * k rows are permuted at load (HF's convert script's permutation), after which the rotate-half
 * model computes exactly what llama2.c computes.
 */
public final class Llama2cCheckpoint implements WeightSource {

  private final Path path;
  private final FileChannel channel;
  private final LlamaConfig config;
  /** name → {byte offset, shape...}. */
  private final Map<String, long[]> offsets = new LinkedHashMap<>();
  private final Map<String, long[]> shapes = new LinkedHashMap<>();

  private Llama2cCheckpoint(Path path, FileChannel channel, LlamaConfig config, boolean shared) throws IOException {
    this.path = path;
    this.channel = channel;
    this.config = config;
    int d = config.hiddenSize;
    int hd = config.headDim;
    int ff = config.intermediateSize;
    int nl = config.numLayers;
    int v = config.vocabSize;
    int kv = config.kvDim();
    long pos = 7 * 4;
    pos = add("model.embed_tokens.weight", pos, 1, v, d);
    pos = addStacked("input_layernorm.weight", pos, nl, d);
    pos = addStacked("self_attn.q_proj.weight", pos, nl, config.qDim(), d);
    pos = addStacked("self_attn.k_proj.weight", pos, nl, kv, d);
    pos = addStacked("self_attn.v_proj.weight", pos, nl, kv, d);
    pos = addStacked("self_attn.o_proj.weight", pos, nl, d, config.qDim());
    pos = addStacked("post_attention_layernorm.weight", pos, nl, d);
    pos = addStacked("mlp.gate_proj.weight", pos, nl, ff, d); // w1
    pos = addStacked("mlp.down_proj.weight", pos, nl, d, ff); // w2
    pos = addStacked("mlp.up_proj.weight", pos, nl, ff, d); // w3
    pos = add("model.norm.weight", pos, 1, d);
    pos += (long) config.maxPositions * hd / 2 * 4 * 2; // freq_cis_real/imag: unused by run.c
    if (!shared) {
      pos = add("lm_head.weight", pos, 1, v, d);
    }
    if (pos > channel.size()) {
      throw new IllegalArgumentException("llama2.c checkpoint " + path + " is truncated: header "
          + config + " needs " + pos + " bytes, file has " + channel.size());
    }
  }

  private long add(String name, long pos, int count, long... shape) {
    offsets.put(name, new long[] {pos});
    shapes.put(name, shape);
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return pos + n * 4 * count;
  }

  private long addStacked(String suffix, long pos, int layers, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    for (int l = 0; l < layers; l++) {
      String name = "model.layers." + l + "." + suffix;
      offsets.put(name, new long[] {pos + l * n * 4});
      shapes.put(name, shape);
    }
    return pos + layers * n * 4;
  }

  public static Llama2cCheckpoint open(Path path) {
    try {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      try {
        if (ch.size() < 28) {
          throw new IllegalArgumentException(path + " is too short for a llama2.c checkpoint");
        }
        ByteBuffer hb = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        while (hb.hasRemaining() && ch.read(hb, hb.position()) >= 0) {
          // read the header
        }
        byte b0 = hb.get(0);
        if (b0 == 'P' && hb.get(1) == 'K' || (b0 & 0xff) == 0x80) {
          SafetensorsCheckpoint.refusePickle(path);
        }
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
          h[i] = hb.getInt(i * 4);
        }
        LlamaConfig cfg;
        try {
          cfg = LlamaConfig.fromLlama2cHeader(h);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(path + " is not a llama2.c checkpoint (header "
              + Arrays.toString(h) + "): " + e.getMessage(), e);
        }
        return new Llama2cCheckpoint(path, ch, cfg, h[5] > 0);
      } catch (RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read llama2.c checkpoint " + path + ": " + e.getMessage(), e);
    }
  }

  public LlamaConfig config() {
    return config;
  }

  @Override
  public String describe() {
    return path.toString();
  }

  @Override
  public boolean has(String name) {
    return offsets.containsKey(name);
  }

  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager) {
    long[] off = offsets.get(name);
    if (off == null) {
      throw new IllegalArgumentException("tensor '" + name + "' not found in llama2.c checkpoint " + path);
    }
    long[] shape = shapes.get(name);
    if (expectedShape != null && !Arrays.equals(shape, expectedShape)) {
      throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has shape "
          + Arrays.toString(shape) + " but the model expects " + Arrays.toString(expectedShape));
    }
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    MappedByteBuffer mapped;
    try {
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, off[0], n * 4);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot map '" + name + "' in " + path + ": " + e.getMessage(), e);
    }
    mapped.order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer direct = ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.nativeOrder());
    if (name.endsWith("q_proj.weight") || name.endsWith("k_proj.weight")) {
      int heads = name.endsWith("q_proj.weight") ? config.numHeads : config.numKvHeads;
      permuteRows(mapped.asFloatBuffer(), direct.asFloatBuffer(), heads, config.headDim, (int) shape[1]);
    } else {
      direct.put(mapped).flip();
    }
    return manager.create(direct, new Shape(shape), DataType.FLOAT32);
  }

  /**
   * Within each head, interleaved row 2i+p moves to row p*hd/2+i: HF's
   * {@code w.view(h, hd/2, 2, in).transpose(1, 2)}.
   */
  static void permuteRows(FloatBuffer src, FloatBuffer dst, int heads, int headDim, int in) {
    int half = headDim / 2;
    float[] row = new float[in];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        for (int p = 0; p < 2; p++) {
          int from = h * headDim + 2 * i + p;
          int to = h * headDim + p * half + i;
          src.get(from * in, row);
          dst.put(to * in, row);
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // read-only
    }
  }
}
