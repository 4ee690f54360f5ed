package tallrec.testing;

import ai.djl.ndarray.NDManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tallrec.llm.SafetensorsFile;

/** The reference goldens in {@code src/test/resources/fidelity} (see generate_golden.py there). */
public final class FidelityGoldens {

  private FidelityGoldens() {}

  /** The directory holding the goldens. */
  public static Path dir() {
    try {
      return Paths.get(FidelityGoldens.class.getResource("/fidelity/training_golden.json").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 (hex) of the ids joined by commas, as generate_golden.py's digest(). */
  public static String digest(int[] ids) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      b.append(i == 0 ? "" : ",").append(ids[i]);
    }
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A tensor's values (F32) by name, in its stored shape. */
  public static float[] floats(SafetensorsFile f, String key) {
    SafetensorsFile.TensorInfo info = f.tensors().get(key);
    if (info == null) {
      throw new AssertionError("no tensor " + key + " in " + f.path());
    }
    try (NDManager m = NDManager.newBaseManager()) {
      return f.load(key, info.shape, m).toFloatArray();
    }
  }
}
