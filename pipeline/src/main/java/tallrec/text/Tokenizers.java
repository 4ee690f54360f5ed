package tallrec.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a tokenizer by path. A directory (e.g. a Hugging Face model directory) uses its
 * {@code tokenizer.model}, else {@code tokenizer.json}, else {@code tokenizer.bin}; a file is read
 * by its extension: {@code .model} SentencePiece, {@code .bin} llama2.c, {@code .json} Hugging Face.
 * The literal name {@code byte} is the built-in {@link ByteTokenizer}.
 */
public final class Tokenizers {

  /** The name that selects {@link ByteTokenizer} instead of a file. */
  public static final String BYTE = "byte";

  /** A file of this name in a model directory selects the byte tokenizer (see RandomCheckpoint). */
  public static final String BYTE_MARKER = "tokenizer.byte";

  private static final String[] DIRECTORY_FILES = {"tokenizer.model", "tokenizer.json", "tokenizer.bin"};

  private Tokenizers() {}

  /** A path, or the literal {@code byte}. */
  public static Tokenizer load(String spec) throws IOException {
    if (BYTE.equals(spec)) {
      return new ByteTokenizer();
    }
    return load(Path.of(spec));
  }

  public static Tokenizer load(Path path) throws IOException {
    if (BYTE.equals(path.toString()) && !Files.exists(path)) {
      return new ByteTokenizer();
    }
    if (Files.isDirectory(path)) {
      if (Files.isRegularFile(path.resolve(BYTE_MARKER))) {
        return new ByteTokenizer();
      }
      for (String name : DIRECTORY_FILES) {
        Path f = path.resolve(name);
        if (Files.isRegularFile(f)) {
          return load(f);
        }
      }
      throw new IllegalArgumentException("no tokenizer in directory " + path
          + ": expected tokenizer.model, tokenizer.json, tokenizer.bin or tokenizer.byte");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("tokenizer not found: " + path);
    }
    return switch (kind(path.getFileName().toString(), path)) {
      case SENTENCEPIECE -> SentencePieceTokenizer.load(path);
      case LLAMA2C -> Llama2cTokenizer.load(path);
      case HUGGINGFACE -> HuggingFaceJsonTokenizer.load(path);
    };
  }

  /**
   * From a stream, for storage the model side reads itself (e.g. Hadoop FS); {@code fileName}
   * chooses the format as for a path. The stream is read fully, not closed.
   */
  public static Tokenizer load(String fileName, InputStream in) throws IOException {
    return switch (kind(fileName, fileName)) {
      case SENTENCEPIECE -> SentencePieceTokenizer.load(in);
      case LLAMA2C -> Llama2cTokenizer.load(in);
      case HUGGINGFACE -> HuggingFaceJsonTokenizer.load(in);
    };
  }

  private enum Kind { SENTENCEPIECE, LLAMA2C, HUGGINGFACE }

  private static Kind kind(String fileName, Object where) {
    String n = fileName.toLowerCase(Locale.ROOT);
    if (n.endsWith(".model")) {
      return Kind.SENTENCEPIECE;
    }
    if (n.endsWith(".bin")) {
      return Kind.LLAMA2C;
    }
    if (n.endsWith(".json")) {
      return Kind.HUGGINGFACE;
    }
    throw new IllegalArgumentException("unknown tokenizer format: " + where
        + " (expected a .model, .bin or .json file, a directory holding one, or 'byte')");
  }
}
