package tallrec.llm;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes F32 data as a {@code .safetensors} file in F32, F16 or BF16 (adapters, test fixtures,
 * converted checkpoints). Tensors are added as float arrays and written in insertion order.
 */
public final class SafetensorsWriter {

  private static final class Entry {
    final String dtype;
    final long[] shape;
    final float[] data;

    Entry(String dtype, long[] shape, float[] data) {
      this.dtype = dtype;
      this.shape = shape;
      this.data = data;
    }
  }

  private final Map<String, Entry> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** {@code dtype}: "F32", "F16" or "BF16" (rounded to nearest even). */
  public SafetensorsWriter add(String name, String dtype, long[] shape, float[] data) {
    if (SafetensorsFile.elementSize(dtype) < 0) {
      throw new IllegalArgumentException("unsupported dtype " + dtype);
    }
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("tensor '" + name + "': shape holds " + n + " values, data has " + data.length);
    }
    tensors.put(name, new Entry(dtype, shape, data));
    return this;
  }

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public void write(Path file) throws IOException {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject m = new JsonObject();
      metadata.forEach(m::addProperty);
      header.add("__metadata__", m);
    }
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      Entry t = e.getValue();
      long bytes = (long) t.data.length * SafetensorsFile.elementSize(t.dtype);
      JsonObject o = new JsonObject();
      o.addProperty("dtype", t.dtype);
      JsonArray shape = new JsonArray();
      for (long s : t.shape) {
        shape.add(s);
      }
      o.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      off.add(offset + bytes);
      o.add("data_offsets", off);
      header.add(e.getKey(), o);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(json);
      for (int i = json.length; i < padded; i++) {
        out.write(' ');
      }
      for (Entry t : tensors.values()) {
        int el = SafetensorsFile.elementSize(t.dtype);
        ByteBuffer b = ByteBuffer.allocate(t.data.length * el).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : t.data) {
          switch (t.dtype) {
            case "F32":
              b.putFloat(f);
              break;
            case "BF16":
              b.putShort(toBf16(f));
              break;
            default:
              b.putShort(toF16(f));
          }
        }
        out.write(b.array());
      }
    }
  }

  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7fc0;
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** IEEE half, round to nearest even (Java 17 has no Float.floatToFloat16). */
  static short toF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - e;
      int half = mant >> shift;
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }
}
