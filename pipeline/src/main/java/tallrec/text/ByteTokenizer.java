package tallrec.text;

/**
 * A byte-level tokenizer for models the project builds itself (no vocabulary file needed).
 *
 * <p>Ids 0..255 are the UTF-8 bytes of the text; then the specials {@link #PAD} = 256,
 * {@link #BOS} = 257, {@link #EOS} = 258; {@link #VOCAB_SIZE} = 259. Every text is representable,
 * so there is no unknown token. Pieces are printable ASCII characters as themselves and other
 * bytes as {@code <0xNN>} (SentencePiece's spelling), which keeps CLI output readable.
 */
public final class ByteTokenizer implements Tokenizer {

  public static final int PAD = 256;
  public static final int BOS = 257;
  public static final int EOS = 258;
  public static final int VOCAB_SIZE = 259;

  @Override
  public int[] encode(String text, boolean addBos) {
    byte[] bytes = Utf8.encode(text);
    int off = addBos ? 1 : 0;
    int[] ids = new int[bytes.length + off];
    if (addBos) {
      ids[0] = BOS;
    }
    for (int i = 0; i < bytes.length; i++) {
      ids[i + off] = bytes[i] & 0xFF;
    }
    return ids;
  }

  @Override
  public String decode(int[] ids) {
    byte[] bytes = new byte[ids.length];
    int n = 0;
    for (int id : ids) {
      checkId(id);
      if (id < 256) {
        bytes[n++] = (byte) id;
      }
    }
    return Utf8.decodeLenient(bytes, 0, n);
  }

  @Override
  public String piece(int id) {
    checkId(id);
    return switch (id) {
      case PAD -> "<pad>";
      case BOS -> "<s>";
      case EOS -> "</s>";
      default -> id > 0x20 && id < 0x7F ? String.valueOf((char) id) : SentencePieceTokenizer.bytePiece(id);
    };
  }

  @Override
  public int pieceId(String piece) {
    for (int id = 0; id < VOCAB_SIZE; id++) {
      if (piece(id).equals(piece)) {
        return id;
      }
    }
    return -1;
  }

  private static void checkId(int id) {
    if (id < 0 || id >= VOCAB_SIZE) {
      throw new IllegalArgumentException("token id " + id + " is outside the byte vocabulary [0, " + VOCAB_SIZE + ")");
    }
  }

  @Override
  public int vocabSize() {
    return VOCAB_SIZE;
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int padId() {
    return PAD;
  }

  /** Every byte has an id, so nothing is unknown. */
  @Override
  public int unkId() {
    return -1;
  }
}
