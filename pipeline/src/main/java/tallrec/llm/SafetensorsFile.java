package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then raw
 * tensor bytes. Tensors are memory-mapped one at a time through {@link FileChannel#map} and
 * copied (converted to F32) into direct memory, so only one tensor is ever in flight. DJL's
 * NDList.decode is not used: it reads whole files into Java arrays.
 */
public final class SafetensorsFile implements AutoCloseable {

  /** One header entry. */
  public static final class TensorInfo {
    public final String name;
    public final String dtype;
    public final long[] shape;
    public final long begin;
    public final long end;

    TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }

    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** A header larger than this is corrupt, not real (real ones are kilobytes to a few MiB). */
  private static final long MAX_HEADER = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
  }

  public static SafetensorsFile open(Path path) {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot open safetensors file " + path + ": " + e.getMessage(), e);
    }
    try {
      return parse(path, ch);
    } catch (RuntimeException | IOException e) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // the parse error is the one to report
      }
      if (e instanceof IllegalArgumentException) {
        throw (IllegalArgumentException) e;
      }
      throw new IllegalArgumentException("corrupt safetensors file " + path + ": " + e.getMessage(), e);
    }
  }

  private static SafetensorsFile parse(Path path, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw new IllegalArgumentException("corrupt safetensors header in " + path + ": file has only " + size + " bytes");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0);
    long headerLen = lenBuf.getLong(0);
    if (headerLen <= 1 || headerLen > MAX_HEADER || headerLen > size - 8) {
      throw new IllegalArgumentException("corrupt safetensors header in " + path + ": header length "
          + headerLen + " does not fit a file of " + size + " bytes");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
    readFully(ch, hb, 8);
    String json = new String(hb.array(), StandardCharsets.UTF_8);
    JsonObject header;
    try {
      header = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("corrupt safetensors header in " + path + ": not a JSON object ("
          + e.getMessage() + ")", e);
    }
    long dataStart = 8 + headerLen;
    long dataLen = size - dataStart;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      String name = e.getKey();
      try {
        JsonObject t = e.getValue().getAsJsonObject();
        String dtype = t.get("dtype").getAsString();
        long[] shape = new long[t.getAsJsonArray("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
        }
        long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
        long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        int el = elementSize(dtype);
        if (begin < 0 || end < begin || end > dataLen) {
          throw new IllegalArgumentException("data_offsets [" + begin + ", " + end + "] outside the "
              + dataLen + " data bytes");
        }
        if (el > 0 && info.numel() * el != end - begin) {
          throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
              + info.numel() * el + " bytes but data_offsets span " + (end - begin));
        }
        tensors.put(name, info);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("corrupt safetensors header in " + path + ", tensor '" + name + "': "
            + ex.getMessage(), ex);
      } catch (RuntimeException ex) {
        throw new IllegalArgumentException("corrupt safetensors header in " + path + ", tensor '" + name
            + "': malformed entry " + e.getValue(), ex);
      }
    }
    return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(tensors));
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
    buf.flip();
  }

  /** Bytes per element of a safetensors dtype we can convert to F32; -1 for others. */
  static int elementSize(String dtype) {
    switch (dtype) {
      case "F32":
        return 4;
      case "F16":
      case "BF16":
        return 2;
      default:
        return -1;
    }
  }

  public Path path() {
    return path;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** Loads one tensor as F32 (see {@link WeightSource#load}). */
  public NDArray load(String name, long[] expectedShape, NDManager manager) {
    return load(name, expectedShape, manager, Precision.F32);
  }

  /**
   * Loads one tensor in {@code precision}: a tensor stored in that very dtype is copied as is (an
   * F16 checkpoint loads into F16 with no conversion); otherwise it is widened to F32 and narrowed
   * by {@link Precision#narrow} (BF16 → F16 with its range check).
   */
  public NDArray load(String name, long[] expectedShape, NDManager manager, Precision precision) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("tensor '" + name + "' not found in " + path);
    }
    if (expectedShape != null && !Arrays.equals(t.shape, expectedShape)) {
      throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has shape "
          + Arrays.toString(t.shape) + " but the model config expects " + Arrays.toString(expectedShape));
    }
    if (elementSize(t.dtype) < 0) {
      throw new IllegalArgumentException("tensor '" + name + "' in " + path + " has dtype " + t.dtype
          + "; supported: F32, F16, BF16");
    }
    long len = t.end - t.begin;
    if (len > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("tensor '" + name + "' in " + path + " is " + len
          + " bytes; tensors over 1 GiB are not supported by this loader");
    }
    MappedByteBuffer mapped;
    try {
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin, len);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot map tensor '" + name + "' in " + path + ": " + e.getMessage(), e);
    }
    mapped.order(ByteOrder.LITTLE_ENDIAN);
    Shape shape = new Shape(t.shape);
    if (precision.isHalf() && t.dtype.equals(precision == Precision.F16 ? "F16" : "BF16")) {
      ByteBuffer direct = ByteBuffer.allocateDirect((int) len).order(ByteOrder.nativeOrder());
      direct.put(mapped).flip();
      return manager.create(direct, shape, precision.dataType());
    }
    return precision.narrow(widened(t, mapped, len, shape, manager), name, path.toString());
  }

  private static NDArray widened(TensorInfo t, MappedByteBuffer mapped, long len, Shape shape, NDManager manager) {
    switch (t.dtype) {
      case "F32": {
        ByteBuffer direct = ByteBuffer.allocateDirect((int) len).order(ByteOrder.nativeOrder());
        direct.put(mapped).flip();
        return manager.create(direct, shape, DataType.FLOAT32);
      }
      case "BF16": {
        // A BFLOAT16 NDArray kills the JVM (libtorch/DJL): widen while copying. BF16 is the top
        // half of an F32, so the conversion is exact: bits << 16.
        int n = (int) (len / 2);
        ByteBuffer direct = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        ShortBuffer src = mapped.asShortBuffer();
        IntBuffer dst = direct.asIntBuffer();
        for (int i = 0; i < n; i++) {
          dst.put(i, (src.get(i) & 0xffff) << 16);
        }
        return manager.create(direct, shape, DataType.FLOAT32);
      }
      case "F16": {
        // FLOAT16 arrays are safe in torch; let it widen (Java 17 has no float16 conversion).
        ByteBuffer direct = ByteBuffer.allocateDirect((int) len).order(ByteOrder.nativeOrder());
        direct.put(mapped).flip();
        try (NDArray half = manager.create(direct, shape, DataType.FLOAT16)) {
          return half.toType(DataType.FLOAT32, true);
        }
      }
      default:
        throw new IllegalStateException(t.dtype);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // read-only channel: nothing to flush
    }
  }
}
