package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Causal attention without autograd on the CPU in one native pass per query
 * ({@code src/main/native/causal_attention.c}, built into the jar with the gcc present at build
 * time): the scores, the softmax over the keys a query may see, and the weighted sum of the values,
 * without the [rows × heads × queries × keys] score tensor that torch's matmul, mask add, softmax
 * and second matmul write and read again. On stories260K's ~490-token TALLRec prompts (8 heads of
 * dimension 8) attention done that way was about 70 % of the scoring forward.
 *
 * <p>Training has its own pair ({@link #attendForTraining}, {@link #backward}): the forward also
 * keeps each query's log-sum-exp, and the backward recomputes the probabilities from it, so no
 * score tensor is written or kept for backward either. Autograd cannot see into native code, so
 * {@code CausalLmLoss} records the layer as two graphs around it
 * ({@link LlamaModel#nativeTrainingAttention} says where that runs).
 *
 * <p>Same values as the torch sequence up to F32 rounding (another summation order, and an exp
 * within ~1e-7 relative): {@code NativeAttentionTest} compares the two, and {@code LlamaModelTest}
 * the logits of whole forwards. Used where {@link #enabled()}: the library loaded, and neither
 * {@code -Dtallrec.native-attention=false} nor {@link #off} says otherwise. Without gcc at build
 * time the jar carries no library, and the torch path runs as before.
 */
public final class NativeAttention {

  /** The library's resource path in the jar. */
  static final String RESOURCE = "/tallrec/native/linux-x86_64/libtallrec_native.so";

  private static final String UNAVAILABLE = load();

  /**
   * Switch for comparisons ({@code bench scoring --compare-attention}, tests): true runs the torch
   * ops even where the library is loaded.
   */
  public static volatile boolean off = false;

  /**
   * Daemon threads for the split, one pool per share count (the caller's thread takes a share too).
   * Never shut down: concurrent callers under different torch thread caps (baseline fits run side by
   * side) each keep theirs.
   */
  private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();

  private NativeAttention() {}

  private static String load() {
    if (!"false".equals(System.getProperty("tallrec.native-attention", "true"))) {
      String os = System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", "");
      if (!os.startsWith("Linux/") || !(os.endsWith("amd64") || os.endsWith("x86_64"))) {
        return "built for Linux x86-64, this is " + os;
      }
      try (InputStream in = NativeAttention.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          return "the jar has no " + RESOURCE + " (no gcc at build time)";
        }
        Path file = Files.createTempFile("tallrec_native", ".so");
        file.toFile().deleteOnExit();
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toString());
        return supported() ? null : "this CPU has no AVX-512, which the kernel is written for";
      } catch (IOException | UnsatisfiedLinkError e) {
        return "could not load " + RESOURCE + ": " + e;
      }
    }
    return "turned off with -Dtallrec.native-attention=false";
  }

  /** Whether the library is loaded (whatever {@link #off} says). */
  public static boolean available() {
    return UNAVAILABLE == null;
  }

  /** Why the library is not loaded; null when it is. */
  public static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** What no-autograd CPU attention runs as here, for {@code doctor} and {@code bench}. */
  public static String describe() {
    if (UNAVAILABLE != null) {
      return "torch's ops (native kernel not loaded: " + UNAVAILABLE + ")";
    }
    return off ? "torch's ops (the native kernel switched off)"
        : "fused native kernel (AVX-512), with RMSNorm, SiLU·up and rotary in native passes";
  }

  /** Whether no-autograd CPU attention runs here now. */
  public static boolean enabled() {
    return UNAVAILABLE == null && !off;
  }

  /**
   * Which keys each query sees: {@code valid[r * keys + j]} says whether key j of row r is a real
   * token (the cache's and this call's), {@code self[r * queries + i]} is query i's own key index
   * (it sees keys up to it, and always itself).
   */
  public record KeyMask(int rows, int queries, int keys, byte[] valid, int[] self) {

    /** The mask of each row's query {@code last[r]} alone (one query per row). */
    public KeyMask rowsAt(int[] last) {
      int[] s = new int[rows];
      for (int r = 0; r < rows; r++) {
        s[r] = self[r * queries + last[r]];
      }
      return new KeyMask(rows, 1, keys, valid, s);
    }
  }

  /**
   * softmax(q kᵀ · scale over the keys {@code mask} lets each query see) v: q [b, heads, t, hd],
   * k and v [b, kvHeads, keys, hd], all F32 on the CPU; the result in {@code out}'s scope, [b, heads,
   * t, hd], or with {@code tokenMajor} [b, t, heads, hd]: the layout the output projection reads,
   * written directly instead of transposed and copied afterwards.
   */
  static NDArray attend(NDArray q, NDArray k, NDArray v, KeyMask mask, float scale, boolean tokenMajor,
      NDManager out) {
    Shape qs = q.getShape();
    int b = (int) qs.get(0);
    int heads = (int) qs.get(1);
    int t = (int) qs.get(2);
    int hd = (int) qs.get(3);
    int kvHeads = (int) k.getShape().get(1);
    int keys = (int) k.getShape().get(2);
    check(q, k, v, mask);
    NDArray result = out.create(tokenMajor ? new Shape(b, t, heads, hd) : new Shape(b, heads, t, hd),
        DataType.FLOAT32);
    // Direct views of the tensors' memory (a contiguous copy where one is not contiguous, made in
    // the array's own scope); the output is written in place.
    ByteBuffer qb = direct(q);
    ByteBuffer kb = direct(k);
    ByteBuffer vb = direct(v);
    ByteBuffer ob = direct(result);
    // Units (row, kv head) are independent.
    inParallel(b * kvHeads, (from, to) -> attend(qb, kb, vb, ob, null, mask.valid(), mask.self(), b, heads, kvHeads,
        t, keys, hd, scale, tokenMajor, from, to));
    return result;
  }

  /**
   * The shape of training's q, k and v packed into one flat F32 array ({@link #pack}): q [b, heads,
   * t, hd], then k and v [b, kvHeads, t, hd], each contiguous. One array, so that autograd takes
   * the gradients of all three in one backward call from the one array {@link #backward} writes.
   */
  public record Packed(int b, int heads, int kvHeads, int t, int hd) {
    long qSize() {
      return (long) b * heads * t * hd;
    }

    long kvSize() {
      return (long) b * kvHeads * t * hd;
    }

    long size() {
      return qSize() + 2 * kvSize();
    }

    /** The q, k and v parts of a packed array's memory, as direct buffers. */
    ByteBuffer[] parts(ByteBuffer all) {
      int q = Math.toIntExact(qSize() * 4);
      int kv = Math.toIntExact(kvSize() * 4);
      return new ByteBuffer[] {all.slice(0, q), all.slice(q, kv), all.slice(q + kv, kv)};
    }

    /** q, k and v of a packed array, as views shaped [b, heads, t, hd] and [b, kvHeads, t, hd]. */
    public NDArray[] unpack(NDArray packed) {
      long q = qSize();
      long kv = kvSize();
      return new NDArray[] {packed.get(new NDIndex("0:" + q)).reshape(b, heads, t, hd),
          packed.get(new NDIndex(q + ":" + (q + kv))).reshape(b, kvHeads, t, hd),
          packed.get(new NDIndex((q + kv) + ":" + (q + 2 * kv))).reshape(b, kvHeads, t, hd)};
    }
  }

  /**
   * q [b, heads, t, hd], k and v [b, kvHeads, t, hd] packed into one flat array (recorded when
   * autograd is on: its backward hands each part's gradient back); {@link #packedShape} is its
   * shape.
   */
  public static NDArray pack(NDArray q, NDArray k, NDArray v) {
    return NDArrays.concat(new NDList(q.reshape(-1), k.reshape(-1), v.reshape(-1)), 0);
  }

  /** The {@link Packed} shape of q and k as {@link #pack} takes them. */
  public static Packed packedShape(NDArray q, NDArray k) {
    Shape qs = q.getShape();
    return new Packed((int) qs.get(0), (int) qs.get(1), (int) k.getShape().get(1), (int) qs.get(2),
        (int) qs.get(3));
  }

  /**
   * The forward of training's attention, on a packed q, k and v ({@link #pack}; its own keys, no
   * cache): as {@link #attend} with token-major output, plus each query's log-sum-exp of its scaled
   * scores [b, heads, t], which {@link #backward} needs. Reads the packed array's memory only: no
   * graph is recorded (the caller makes the output a leaf of its own). Returns {out, lse} in
   * {@code out}'s scope.
   */
  static NDArray[] attendForTraining(NDArray qkv, Packed p, KeyMask mask, float scale, NDManager out) {
    checkPacked(qkv, p, mask);
    NDArray result = out.create(new Shape(p.b(), p.t(), p.heads(), p.hd()), DataType.FLOAT32);
    NDArray lse = out.create(new Shape(p.b(), p.heads(), p.t()), DataType.FLOAT32);
    ByteBuffer[] in = p.parts(direct(qkv));
    ByteBuffer ob = direct(result);
    ByteBuffer lb = direct(lse);
    inParallel((long) p.b() * p.kvHeads(), (from, to) -> attend(in[0], in[1], in[2], ob, lb, mask.valid(),
        mask.self(), p.b(), p.heads(), p.kvHeads(), p.t(), p.t(), p.hd(), scale, true, from, to));
    return new NDArray[] {result, lse};
  }

  /**
   * The backward of {@link #attendForTraining}: from dOut, the gradient of its output [b, t, heads,
   * hd], the gradient of the packed q, k and v, packed the same way, in {@code out}'s scope (the
   * FlashAttention-2 backward: each probability recomputed from its score and lse). Equal to
   * torch's autograd through matmul, mask, softmax and matmul up to F32 rounding
   * ({@code NativeAttentionTest}).
   */
  static NDArray backward(NDArray qkv, Packed p, NDArray o, NDArray lse, NDArray dOut, KeyMask mask, float scale,
      NDManager out) {
    checkPacked(qkv, p, mask);
    if (dOut.getDataType() != DataType.FLOAT32 || !dOut.getShape().equals(o.getShape())) {
      throw new IllegalArgumentException("attention backward: the output's gradient " + dOut.getShape() + " "
          + dOut.getDataType() + " does not match the output " + o.getShape());
    }
    NDArray grad = out.create(new Shape(p.size()), DataType.FLOAT32);
    ByteBuffer[] in = p.parts(direct(qkv));
    ByteBuffer[] d = p.parts(direct(grad));
    ByteBuffer ob = direct(o);
    ByteBuffer gb = direct(dOut);
    ByteBuffer lb = direct(lse);
    // Units (row, kv head) write disjoint slices of dq, dk and dv.
    inParallel((long) p.b() * p.kvHeads(), (from, to) -> attendBackward(in[0], in[1], in[2], ob, gb, lb, d[0], d[1],
        d[2], mask.valid(), mask.self(), p.b(), p.heads(), p.kvHeads(), p.t(), p.t(), p.hd(), scale, true, from, to));
    return grad;
  }

  private static void checkPacked(NDArray qkv, Packed p, KeyMask mask) {
    if (mask.rows() != p.b() || mask.queries() != p.t() || mask.keys() != p.t()) {
      throw new IllegalArgumentException("attention mask " + mask.rows() + "x" + mask.queries() + "x" + mask.keys()
          + " does not fit packed q, k and v of " + p);
    }
    if (qkv.getDataType() != DataType.FLOAT32 || qkv.getShape().dimension() != 1 || qkv.size() != p.size()) {
      throw new IllegalArgumentException("packed q, k and v of " + p + " must be " + p.size() + " F32 values, got "
          + qkv.getShape() + " " + qkv.getDataType());
    }
  }

  private static void check(NDArray q, NDArray k, NDArray v, KeyMask mask) {
    Shape qs = q.getShape();
    if (mask.rows() != qs.get(0) || mask.queries() != qs.get(2) || mask.keys() != k.getShape().get(2)) {
      throw new IllegalArgumentException("attention mask " + mask.rows() + "x" + mask.queries() + "x" + mask.keys()
          + " does not fit q " + qs + " and k " + k.getShape());
    }
    if (q.getDataType() != DataType.FLOAT32 || k.getDataType() != DataType.FLOAT32
        || v.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("native attention is F32 only, got " + q.getDataType());
    }
  }

  /** A direct view of an F32 CPU array's memory (of a contiguous copy where it is not contiguous). */
  static ByteBuffer direct(NDArray a) {
    return JniUtils.getByteBuffer((PtNDArray) a, true);
  }

  /** Native work on units [from, to) of a call; returns the kernel's code (0 = done). */
  @FunctionalInterface
  interface Range {
    int run(long from, long to);
  }

  /**
   * Runs {@code units} independent units split over as many threads as torch uses (its thread count
   * is per calling thread: a scoring task side by side with others has 1), the first share on this
   * thread. A kernel's error code becomes an exception.
   */
  static void inParallel(long units, Range work) {
    int threads = (int) Math.max(1, Math.min(units, JniUtils.getNumThreads()));
    if (threads == 1) {
      check(work.run(0, units));
      return;
    }
    List<Future<Integer>> parts = new ArrayList<>(threads - 1);
    ExecutorService p = POOLS.computeIfAbsent(threads - 1, n -> Executors.newFixedThreadPool(n, r -> {
      Thread th = new Thread(r, "tallrec-native");
      th.setDaemon(true);
      return th;
    }));
    for (int i = 1; i < threads; i++) {
      long from = units * i / threads;
      long to = units * (i + 1) / threads;
      parts.add(p.submit(() -> work.run(from, to)));
    }
    int mine = work.run(0, units / threads);
    for (Future<Integer> f : parts) {
      try {
        check(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted in a native kernel", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("native kernel failed", e.getCause());
      }
    }
    check(mine);
  }

  private static void check(int rc) {
    if (rc != 0) {
      throw new IllegalStateException(rc == -1 ? "native kernel: out of memory for its scratch buffers"
          : "native kernel: a tensor has no direct memory (code " + rc + ")");
    }
  }

  private static native boolean supported();

  /** lse: null, or [b, heads, t] for each query's log-sum-exp (training). */
  private static native int attend(ByteBuffer q, ByteBuffer k, ByteBuffer v, ByteBuffer out, ByteBuffer lse,
      byte[] valid, int[] self, int b, int heads, int kvHeads, int t, int keys, int hd, float scale,
      boolean tokenMajor, long from, long to);

  private static native int attendBackward(ByteBuffer q, ByteBuffer k, ByteBuffer v, ByteBuffer out,
      ByteBuffer dOut, ByteBuffer lse, ByteBuffer dq, ByteBuffer dk, ByteBuffer dv, byte[] valid, int[] self, int b,
      int heads, int kvHeads, int t, int keys, int hd, float scale, boolean tokenMajor, long from, long to);
}
