package tallrec.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (a serialized {@code ModelProto}) that
 * encoding and decoding need. Field numbers follow sentencepiece_model.proto; absent fields take
 * the proto2 defaults declared there, because that is what Google's runtime sees.
 */
public final class SentencePieceModel {

  /** SentencePiece's piece types, with their proto enum numbers. */
  public enum PieceType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    final int number;

    PieceType(int number) {
      this.number = number;
    }

    static PieceType of(int number) {
      for (PieceType t : values()) {
        if (t.number == number) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown SentencePiece piece type " + number);
    }
  }

  static final int MODEL_TYPE_UNIGRAM = 1;
  static final int MODEL_TYPE_BPE = 2;

  final String[] pieces;
  final float[] scores;
  final PieceType[] types;

  // TrainerSpec (defaults from sentencepiece_model.proto).
  int modelType = MODEL_TYPE_UNIGRAM;
  boolean byteFallback = false;
  boolean treatWhitespaceAsSuffix = false;
  String unkPiece = "<unk>";
  String bosPiece = "<s>";
  String eosPiece = "</s>";
  String padPiece = "<pad>";
  String unkSurface = " \u2047 ";

  // NormalizerSpec.
  String normalizerName = "";
  int precompiledCharsmapLength = 0;
  boolean addDummyPrefix = true;
  boolean removeExtraWhitespaces = true;
  boolean escapeWhitespaces = true;

  private SentencePieceModel(int n) {
    pieces = new String[n];
    scores = new float[n];
    types = new PieceType[n];
  }

  public static SentencePieceModel load(Path file) throws IOException {
    try {
      return parse(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": not a usable SentencePiece model: " + e.getMessage(), e);
    }
  }

  public static SentencePieceModel load(InputStream in) throws IOException {
    return parse(in.readAllBytes());
  }

  static SentencePieceModel parse(byte[] bytes) {
    // First pass counts pieces so the arrays are sized once.
    int count = 0;
    ProtoReader r = new ProtoReader(bytes);
    while (r.hasMore()) {
      int tag = r.readTag();
      if (tag == ((1 << 3) | ProtoReader.LENGTH_DELIMITED)) {
        count++;
      }
      r.skip(tag);
    }
    if (count == 0) {
      throw new IllegalArgumentException("no pieces (is this really a SentencePiece .model file?)");
    }
    SentencePieceModel m = new SentencePieceModel(count);
    int i = 0;
    r = new ProtoReader(bytes);
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (tag >>> 3) {
        case 1 -> m.readPiece(i++, r.readMessage());
        case 2 -> m.readTrainerSpec(r.readMessage());
        case 3 -> m.readNormalizerSpec(r.readMessage());
        default -> r.skip(tag);
      }
    }
    m.validate();
    return m;
  }

  private void readPiece(int i, ProtoReader r) {
    types[i] = PieceType.NORMAL;
    pieces[i] = "";
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (tag >>> 3) {
        case 1 -> pieces[i] = r.readString();
        case 2 -> scores[i] = r.readFloat();
        case 3 -> types[i] = PieceType.of(r.readInt32());
        default -> r.skip(tag);
      }
    }
  }

  private void readTrainerSpec(ProtoReader r) {
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (tag >>> 3) {
        case 3 -> modelType = r.readInt32();
        case 24 -> treatWhitespaceAsSuffix = r.readBool();
        case 35 -> byteFallback = r.readBool();
        case 44 -> unkSurface = r.readString();
        case 45 -> unkPiece = r.readString();
        case 46 -> bosPiece = r.readString();
        case 47 -> eosPiece = r.readString();
        case 48 -> padPiece = r.readString();
        default -> r.skip(tag);
      }
    }
  }

  private void readNormalizerSpec(ProtoReader r) {
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (tag >>> 3) {
        case 1 -> normalizerName = r.readString();
        case 2 -> precompiledCharsmapLength = r.readBytes().length;
        case 3 -> addDummyPrefix = r.readBool();
        case 4 -> removeExtraWhitespaces = r.readBool();
        case 5 -> escapeWhitespaces = r.readBool();
        default -> r.skip(tag);
      }
    }
  }

  /** Refuses models whose encoding this implementation would silently get wrong. */
  private void validate() {
    if (modelType != MODEL_TYPE_BPE) {
      throw new IllegalArgumentException("model_type " + modelType
          + " is not supported; only BPE (2), as used by LLaMA / Llama-2, is implemented");
    }
    if (precompiledCharsmapLength > 0) {
      throw new IllegalArgumentException("normalizer '" + normalizerName
          + "' uses a precompiled charsmap (e.g. NFKC); only the identity normalizer is implemented");
    }
    if (treatWhitespaceAsSuffix) {
      throw new IllegalArgumentException("treat_whitespace_as_suffix=true is not supported");
    }
    int unknowns = 0;
    for (PieceType t : types) {
      if (t == PieceType.UNKNOWN) {
        unknowns++;
      }
      if (t == PieceType.BYTE && !byteFallback) {
        throw new IllegalArgumentException("BYTE pieces present but byte_fallback is false");
      }
    }
    if (unknowns != 1) {
      throw new IllegalArgumentException("expected exactly one UNKNOWN piece, found " + unknowns);
    }
  }

  public int size() {
    return pieces.length;
  }

  public String piece(int id) {
    return pieces[id];
  }

  public float score(int id) {
    return scores[id];
  }

  public PieceType type(int id) {
    return types[id];
  }

  public boolean byteFallback() {
    return byteFallback;
  }
}
