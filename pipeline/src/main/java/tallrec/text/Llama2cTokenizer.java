package tallrec.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokenizer of Karpathy's llama2.c ({@code tokenizer.bin}, e.g. stories260K's
 * {@code tok512.bin}), encoding and decoding exactly as its run.c does.
 *
 * <p>File format (little-endian): {@code int max_token_length}, then for each of the vocabulary's
 * tokens {@code float score, int len, byte[len]}. The vocabulary size is not stored; it is the
 * number of records. Pieces are stored with SentencePiece's U+2581 already turned into a space.
 *
 * <p>Encoding (run.c {@code encode}): a dummy-prefix {@code " "} token for non-empty text, one
 * token per UTF-8 code point (its bytes as ids {@code byte + 3} when the code point is not in the
 * vocabulary), then repeatedly the adjacent pair whose concatenation has the highest score is
 * merged, leftmost on ties.
 */
public final class Llama2cTokenizer implements Tokenizer {

  public static final int UNK = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  /** run.c maps byte b to id b + 3: ids 0..2 are {@code <unk>, <s>, </s>}. */
  private static final int BYTE_OFFSET = 3;
  private static final Pattern BYTE_PIECE = Pattern.compile("<0x([0-9A-Fa-f]{2})>");

  private final String[] vocab;
  private final byte[][] vocabBytes;
  private final float[] scores;
  /** Each piece's bytes as ISO-8859-1 text: concatenating two keys is the merged piece's key. */
  private final String[] keys;
  private final int maxTokenLength;
  /** Keyed by the UTF-8 bytes as ISO-8859-1 text, since pieces can be partial UTF-8. */
  private final Map<String, Integer> lookup = new HashMap<>();
  /** For each id, the raw byte it stands for if its piece is {@code <0xNN>}, else -1. */
  private final int[] rawByte;

  private Llama2cTokenizer(byte[][] vocabBytes, float[] scores, int maxTokenLength) {
    this.vocabBytes = vocabBytes;
    this.scores = scores;
    this.maxTokenLength = maxTokenLength;
    this.vocab = new String[vocabBytes.length];
    this.rawByte = new int[vocabBytes.length];
    this.keys = new String[vocabBytes.length];
    for (int i = 0; i < vocabBytes.length; i++) {
      vocab[i] = Utf8.decodeLenient(vocabBytes[i]);
      // run.c's bsearch finds one of equal strings; keep the first, as a stable choice.
      keys[i] = key(vocabBytes[i]);
      lookup.putIfAbsent(keys[i], i);
      Matcher m = BYTE_PIECE.matcher(vocab[i]);
      rawByte[i] = m.matches() ? Integer.parseInt(m.group(1), 16) : -1;
    }
    if (vocabBytes.length < BYTE_OFFSET + 256) {
      throw new IllegalArgumentException("llama2.c vocabulary has only " + vocabBytes.length
          + " tokens; byte fallback needs at least " + (BYTE_OFFSET + 256));
    }
  }

  public static Llama2cTokenizer load(Path file) throws IOException {
    try {
      return parse(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": not a usable llama2.c tokenizer.bin: " + e.getMessage(), e);
    }
  }

  public static Llama2cTokenizer load(InputStream in) throws IOException {
    return parse(in.readAllBytes());
  }

  static Llama2cTokenizer parse(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 4) {
      throw new IllegalArgumentException("file too short (" + bytes.length + " bytes)");
    }
    int maxLen = b.getInt();
    if (maxLen <= 0 || maxLen > 1 << 16) {
      throw new IllegalArgumentException("implausible max_token_length " + maxLen);
    }
    List<byte[]> pieces = new ArrayList<>();
    List<Float> scoreList = new ArrayList<>();
    while (b.hasRemaining()) {
      if (b.remaining() < 8) {
        throw new IllegalArgumentException("truncated record at byte " + b.position());
      }
      float score = b.getFloat();
      int len = b.getInt();
      if (len < 0 || len > maxLen || len > b.remaining()) {
        throw new IllegalArgumentException("token " + pieces.size() + " has bad length " + len
            + " at byte " + (b.position() - 4));
      }
      byte[] piece = new byte[len];
      b.get(piece);
      pieces.add(piece);
      scoreList.add(score);
    }
    float[] scores = new float[scoreList.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = scoreList.get(i);
    }
    return new Llama2cTokenizer(pieces.toArray(new byte[0][]), scores, maxLen);
  }

  private static String key(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private int lookup(byte[] bytes) {
    return lookup(key(bytes));
  }

  private int lookup(String key) {
    Integer id = lookup.get(key);
    return id == null ? -1 : id;
  }

  public float score(int id) {
    checkId(id);
    return scores[id];
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    byte[] in = Utf8.encode(text);
    IntList tokens = new IntList(in.length + 2);
    if (addBos) {
      tokens.add(BOS);
    }
    if (in.length > 0) {
      int dummy = lookup(new byte[] {' '});
      if (dummy < 0) {
        throw new IllegalStateException("llama2.c vocabulary has no \" \" token for the dummy prefix");
      }
      tokens.add(dummy);
    }
    // One code point at a time, as run.c: a lead byte plus at most three continuation bytes.
    int i = 0;
    while (i < in.length) {
      int len = 1;
      while (i + len < in.length && (in[i + len] & 0xC0) == 0x80 && len < 4) {
        len++;
      }
      byte[] cp = Arrays.copyOfRange(in, i, i + len);
      int id = lookup(cp);
      if (id >= 0) {
        tokens.add(id);
      } else {
        for (byte c : cp) {
          tokens.add((c & 0xFF) + BYTE_OFFSET);
        }
      }
      i += len;
    }
    mergeBestPairs(tokens);
    return tokens.toArray();
  }

  /**
   * run.c's O(n²) merge loop, BOS included as run.c does (its stored piece, "\n&lt;s&gt;\n",
   * never starts a vocabulary entry). Quadratic, but prompts are a few hundred tokens.
   */
  private void mergeBestPairs(IntList tokens) {
    // run.c concatenates and looks up every adjacent pair on every pass; a merge changes only
    // the two pairs around it, so each pair's merged id is kept and only those two recomputed.
    // The scan for the best (first) pair is unchanged, so the ids are the same.
    int n = tokens.size();
    int[] t = tokens.toArray();
    int[] merged = new int[Math.max(n - 1, 0)];
    for (int i = 0; i < n - 1; i++) {
      merged[i] = lookup(keys[t[i]] + keys[t[i + 1]]);
    }
    while (true) {
      float bestScore = -1e10f;
      int bestIdx = -1;
      for (int i = 0; i < n - 1; i++) {
        int id = merged[i];
        if (id != -1 && scores[id] > bestScore) {
          bestScore = scores[id];
          bestIdx = i;
        }
      }
      if (bestIdx == -1) {
        break;
      }
      t[bestIdx] = merged[bestIdx];
      System.arraycopy(t, bestIdx + 2, t, bestIdx + 1, n - bestIdx - 2);
      System.arraycopy(merged, bestIdx + 1, merged, bestIdx, n - bestIdx - 2);
      n--;
      if (bestIdx > 0) {
        merged[bestIdx - 1] = lookup(keys[t[bestIdx - 1]] + keys[t[bestIdx]]);
      }
      if (bestIdx < n - 1) {
        merged[bestIdx] = lookup(keys[t[bestIdx]] + keys[t[bestIdx + 1]]);
      }
    }
    tokens.clear();
    for (int i = 0; i < n; i++) {
      tokens.add(t[i]);
    }
  }

  /**
   * Decodes like run.c's {@code decode} applied token by token, with raw-byte pieces joined
   * before UTF-8 decoding so multi-byte characters split into bytes come back whole. BOS and
   * EOS produce nothing. The leading space of the first piece is dropped after BOS (run.c) and
   * also at the very start, so {@code decode(encode(text, false))} gives the text back.
   */
  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prev = BOS;
    for (int id : ids) {
      checkId(id);
      if (id == BOS || id == EOS) {
        prev = id;
        continue;
      }
      byte[] piece = decodePiece(prev, id);
      out.write(piece, 0, piece.length);
      prev = id;
    }
    return Utf8.decodeLenient(out.toByteArray());
  }

  /** run.c's {@code decode(prev_token, token)}: the bytes one generated token prints. */
  public byte[] decodePiece(int prevToken, int token) {
    checkId(token);
    if (rawByte[token] >= 0) {
      return new byte[] {(byte) rawByte[token]};
    }
    byte[] p = vocabBytes[token];
    if (prevToken == BOS && p.length > 0 && p[0] == ' ') {
      return Arrays.copyOfRange(p, 1, p.length);
    }
    return p;
  }

  private void checkId(int id) {
    if (id < 0 || id >= vocab.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab.length + ")");
    }
  }

  /** The piece as stored in the file: spaces, not U+2581 (e.g. {@code " Once"}). */
  @Override
  public String piece(int id) {
    checkId(id);
    return vocab[id];
  }

  /** Looks a piece up as stored; a SentencePiece-style U+2581 is accepted for the space. */
  @Override
  public int pieceId(String piece) {
    int id = lookup(Utf8.encode(piece));
    return id >= 0 ? id : lookup(Utf8.encode(piece.replace(SentencePieceTokenizer.SPACE, " ")));
  }

  @Override
  public int vocabSize() {
    return vocab.length;
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int eosId() {
    return EOS;
  }

  /** llama2.c has no padding token. */
  @Override
  public int padId() {
    return -1;
  }

  @Override
  public int unkId() {
    return UNK;
  }
}
