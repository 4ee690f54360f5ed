package tallrec.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import tallrec.text.SentencePieceModel.PieceType;

/**
 * SentencePiece BPE in pure Java, giving the same ids as Google's sentencepiece for a BPE
 * {@code tokenizer.model} with the identity normalizer (LLaMA, Llama-2, stories260K).
 *
 * <p>It follows sentencepiece's normalizer.cc, bpe_model.cc and the byte-fallback step of
 * sentencepiece_processor.cc: optional whitespace trimming, the dummy-prefix space, spaces
 * escaped as U+2581; the text split into characters (user-defined pieces kept whole); then the
 * adjacent pair whose merged piece has the highest score is merged, leftmost first on ties, until
 * no pair is in the vocabulary; characters outside the vocabulary become {@code <0xNN>} byte
 * pieces of their UTF-8 bytes.
 */
public final class SentencePieceTokenizer implements Tokenizer {

  static final String SPACE = "\u2581";

  private final SentencePieceModel model;
  /** Pieces that can take part in merges: NORMAL, USER_DEFINED, UNUSED (as in sentencepiece). */
  private final Map<String, Integer> mergeable = new HashMap<>();
  /** UNKNOWN, CONTROL and BYTE pieces: looked up by name only. */
  private final Map<String, Integer> reserved = new HashMap<>();
  private final List<String> userDefined = new ArrayList<>();
  private final int[] byteIds = new int[256];
  private final int unkId;
  private final int bosId;
  private final int eosId;
  private final int padId;
  /**
   * Whether no piece that can take part in a merge has U+2581 right after another character, so
   * BPE never merges across the start of a word (a run of U+2581 and what follows it up to the
   * next run) and each word can be encoded alone, and the model has no UNUSED pieces: true for
   * LLaMA's and stories260K's models, whose pieces carry whitespace only at their start
   * (sentencepiece's split_by_whitespace).
   */
  private final boolean wordLocal;
  /** Pieces of words already encoded (word-local models only): prompts repeat their template and titles. */
  private final Map<String, String[]> wordPieces = new ConcurrentHashMap<>();

  /** Most words kept in {@link #wordPieces} (as Hugging Face tokenizers' BPE cache); later ones are not cached. */
  static final int WORD_CACHE_CAPACITY = 10_000;
  /** Longer words are not cached: they are rare, and would hold memory for nothing. */
  static final int WORD_CACHE_MAX_CHARS = 64;

  public SentencePieceTokenizer(SentencePieceModel model) {
    this(model, true);
  }

  private SentencePieceTokenizer(SentencePieceModel model, boolean byWords) {
    this.model = model;
    int unk = -1;
    for (int i = 0; i < model.size(); i++) {
      PieceType t = model.type(i);
      boolean normal = t == PieceType.NORMAL || t == PieceType.USER_DEFINED || t == PieceType.UNUSED;
      if ((normal ? mergeable : reserved).putIfAbsent(model.piece(i), i) != null) {
        throw new IllegalArgumentException("SentencePiece model defines piece '" + model.piece(i) + "' twice");
      }
      if (t == PieceType.USER_DEFINED) {
        userDefined.add(model.piece(i));
      }
      if (t == PieceType.UNKNOWN) {
        unk = i;
      }
    }
    this.unkId = unk;
    Arrays.fill(byteIds, -1);
    if (model.byteFallback()) {
      for (int b = 0; b < 256; b++) {
        Integer id = reserved.get(bytePiece(b));
        if (id == null || model.type(id) != PieceType.BYTE) {
          throw new IllegalArgumentException("byte_fallback is on but piece " + bytePiece(b) + " is missing");
        }
        byteIds[b] = id;
      }
    }
    // As SentencePieceProcessor::bos_id() etc.: the named piece, if it is a CONTROL piece.
    this.bosId = controlId(model.bosPiece);
    this.eosId = controlId(model.eosPiece);
    this.padId = controlId(model.padPiece);
    // UNUSED pieces are split back through a table sentencepiece fills over the whole text (the
    // last split it saw of a piece wins), which a word alone could split differently.
    boolean unused = false;
    for (int i = 0; i < model.size(); i++) {
      unused |= model.type(i) == PieceType.UNUSED;
    }
    this.wordLocal = byWords && !unused
        && mergeable.keySet().stream().noneMatch(SentencePieceTokenizer::spaceAfterOther);
  }

  /**
   * The same model encoding every text whole, without the word cache: the same ids, the speed
   * before the cache ({@code bench prompts} times the two side by side).
   */
  public SentencePieceTokenizer wholeText() {
    return new SentencePieceTokenizer(model, false);
  }

  /** Whether {@code piece} has U+2581 right after a character other than U+2581. */
  private static boolean spaceAfterOther(String piece) {
    for (int i = piece.indexOf(SPACE, 1); i > 0; i = piece.indexOf(SPACE, i + 1)) {
      if (piece.charAt(i - 1) != SPACE.charAt(0)) {
        return true;
      }
    }
    return false;
  }

  /** Whether this model's words are encoded one at a time (and cached); see {@link #wordLocal}. */
  boolean wordLocal() {
    return wordLocal;
  }

  public static SentencePieceTokenizer load(Path file) throws IOException {
    return new SentencePieceTokenizer(SentencePieceModel.load(file));
  }

  public static SentencePieceTokenizer load(InputStream in) throws IOException {
    return new SentencePieceTokenizer(SentencePieceModel.load(in));
  }

  public SentencePieceModel model() {
    return model;
  }

  static String bytePiece(int b) {
    return String.format("<0x%02X>", b);
  }

  private int controlId(String piece) {
    int id = pieceId(piece);
    return id >= 0 && model.type(id) == PieceType.CONTROL ? id : -1;
  }

  // ---------------------------------------------------------------- encoding

  @Override
  public int[] encode(String text, boolean addBos) {
    String normalized = normalize(text);
    List<String> pieces = wordLocal ? bpeByWords(normalized) : bpe(normalized);
    IntList ids = new IntList(pieces.size() + 1);
    if (addBos) {
      if (bosId < 0) {
        throw new IllegalStateException("this SentencePiece model has no BOS piece");
      }
      ids.add(bosId);
    }
    boolean prevUnknown = false;
    for (String p : pieces) {
      int id = pieceIdOrUnk(p);
      boolean unknown = id == unkId;
      if (unknown && model.byteFallback()) {
        for (byte b : Utf8.encode(p)) {
          ids.add(byteIds[b & 0xFF]);
        }
      } else if (!(unknown && prevUnknown)) {
        // Without byte fallback sentencepiece folds a run of unknown pieces into one <unk>.
        ids.add(id);
      }
      prevUnknown = unknown;
    }
    return ids.toArray();
  }

  /** Normalizer::Normalize for the identity normalizer: whitespace handling and U+2581. */
  String normalize(String text) {
    if (!model.removeExtraWhitespaces) {
      // Nothing is trimmed or collapsed: every character stays, spaces escaped (LLaMA's setting).
      if (text.isEmpty()) {
        return "";
      }
      String body = model.escapeWhitespaces ? text.replace(' ', SPACE.charAt(0)) : text;
      return model.addDummyPrefix ? (model.escapeWhitespaces ? SPACE : " ") + body : body;
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    int i = 0;
    if (model.removeExtraWhitespaces) {
      while (i < text.length() && text.charAt(i) == ' ') {
        i++;
      }
    }
    if (i == text.length()) {
      return "";
    }
    if (model.addDummyPrefix) {
      out.append(model.escapeWhitespaces ? SPACE : " ");
    }
    boolean prevSpace = model.removeExtraWhitespaces;
    while (i < text.length()) {
      int len = prefixLength(text, i);
      String unit = text.substring(i, i + len);
      i += len;
      if (prevSpace) {
        int k = 0;
        while (k < unit.length() && unit.charAt(k) == ' ') {
          k++;
        }
        unit = unit.substring(k);
      }
      if (!unit.isEmpty()) {
        out.append(model.escapeWhitespaces ? unit.replace(" ", SPACE) : unit);
        // Runs of spaces collapse only under remove_extra_whitespaces (LLaMA keeps them).
        prevSpace = model.removeExtraWhitespaces && unit.charAt(unit.length() - 1) == ' ';
      }
    }
    if (model.removeExtraWhitespaces) {
      String space = model.escapeWhitespaces ? SPACE : " ";
      while (out.length() > 0 && out.lastIndexOf(space) == out.length() - space.length()) {
        out.setLength(out.length() - space.length());
      }
    }
    return out.toString();
  }

  /** The longest user-defined piece at {@code i}, else one code point (PrefixMatcher). */
  private int prefixLength(String s, int i) {
    int best = 0;
    for (String u : userDefined) {
      if (u.length() > best && s.startsWith(u, i)) {
        best = u.length();
      }
    }
    return best > 0 ? best : Character.charCount(s.codePointAt(i));
  }

  private boolean isUserDefinedAt(String s, int i, int len) {
    return !userDefined.isEmpty() && prefixLength(s, i) == len && userDefined.contains(s.substring(i, i + len));
  }

  /**
   * {@link #bpe} word by word, for a word-local model: a word starts where U+2581 follows another
   * character. No merge can cross that point (the merged piece would have U+2581 after another
   * character), and merges in other words never change a word's pairs, so the pieces are those of
   * {@code bpe(s)}: highest score first, leftmost on ties, within each word as across the text.
   */
  List<String> bpeByWords(String s) {
    List<String> out = new ArrayList<>();
    char space = SPACE.charAt(0);
    int from = 0;
    for (int i = 1; i <= s.length(); i++) {
      if (i == s.length() || (s.charAt(i) == space && s.charAt(i - 1) != space)) {
        String word = s.substring(from, i);
        String[] pieces = wordPieces.get(word);
        if (pieces == null) {
          pieces = bpe(word).toArray(new String[0]);
          if (word.length() <= WORD_CACHE_MAX_CHARS && wordPieces.size() < WORD_CACHE_CAPACITY) {
            wordPieces.put(word, pieces);
          }
        }
        out.addAll(Arrays.asList(pieces));
        from = i;
      }
    }
    return out;
  }

  /** A candidate merge of adjacent symbols {@code left} and {@code right}. */
  private record Pair(int left, int right, float score, int length) {}

  /** BPEModel::Encode: the pieces of a normalized string. */
  List<String> bpe(String s) {
    List<String> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    // Symbols as [start, end) ranges of s in a doubly linked list; a merged-away symbol is empty.
    int n = s.codePointCount(0, s.length());
    int[] start = new int[n];
    int[] end = new int[n];
    boolean[] frozen = new boolean[n];
    int[] prev = new int[n];
    int[] next = new int[n];
    int count = 0;
    for (int i = 0; i < s.length(); ) {
      int len = prefixLength(s, i);
      start[count] = i;
      end[count] = i + len;
      // User-defined pieces never merge with their neighbours.
      frozen[count] = isUserDefinedAt(s, i, len);
      prev[count] = count - 1;
      next[count] = i + len < s.length() ? count + 1 : -1;
      count++;
      i += len;
    }
    // Highest score first; on ties the leftmost pair (sentencepiece's SymbolPairComparator).
    PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) ->
        a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
    Map<String, String[]> revMerge = new HashMap<>();
    for (int i = 1; i < count; i++) {
      offer(s, i - 1, i, start, end, frozen, agenda, revMerge);
    }
    while (!agenda.isEmpty()) {
      Pair top = agenda.poll();
      int l = top.left;
      int r = top.right;
      // Stale entry: one side was merged away or grew since the pair was queued.
      if (start[l] == end[l] || start[r] == end[r] || (end[r] - start[l]) != top.length
          || next[l] != r) {
        continue;
      }
      end[l] = end[r];
      next[l] = next[r];
      if (next[r] >= 0) {
        prev[next[r]] = l;
      }
      start[r] = end[r];
      if (prev[l] >= 0) {
        offer(s, prev[l], l, start, end, frozen, agenda, revMerge);
      }
      if (next[l] >= 0) {
        offer(s, l, next[l], start, end, frozen, agenda, revMerge);
      }
    }
    for (int i = 0; i != -1; i = next[i]) {
      resegment(s.substring(start[i], end[i]), revMerge, out);
    }
    return out;
  }

  private void offer(String s, int l, int r, int[] start, int[] end, boolean[] frozen,
      PriorityQueue<Pair> agenda, Map<String, String[]> revMerge) {
    if (frozen[l] || frozen[r]) {
      return;
    }
    String merged = s.substring(start[l], end[r]);
    Integer id = mergeable.get(merged);
    if (id == null) {
      return;
    }
    agenda.add(new Pair(l, r, model.score(id), end[r] - start[l]));
    if (model.type(id) == PieceType.UNUSED) {
      // An UNUSED piece may be a merge step but never an output: remember how to split it back.
      revMerge.put(merged, new String[] {s.substring(start[l], end[l]), s.substring(start[r], end[r])});
    }
  }

  private void resegment(String piece, Map<String, String[]> revMerge, List<String> out) {
    Integer id = mergeable.get(piece);
    String[] parts = id != null && model.type(id) == PieceType.UNUSED ? revMerge.get(piece) : null;
    if (parts == null) {
      out.add(piece);
      return;
    }
    resegment(parts[0], revMerge, out);
    resegment(parts[1], revMerge, out);
  }

  private int pieceIdOrUnk(String piece) {
    int id = pieceId(piece);
    return id < 0 ? unkId : id;
  }

  // ---------------------------------------------------------------- decoding

  @Override
  public String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    byte[] bytes = new byte[ids.length];
    int nBytes = 0;
    // The dummy-prefix space is dropped from the first piece that produces text, once.
    boolean leadingSpaceSeen = false;
    for (int id : ids) {
      checkId(id);
      PieceType t = model.type(id);
      if (t == PieceType.BYTE) {
        bytes[nBytes++] = (byte) Integer.parseInt(model.piece(id).substring(3, 5), 16);
        continue;
      }
      if (nBytes > 0) {
        text.append(Utf8.decodeLenient(bytes, 0, nBytes));
        nBytes = 0;
      }
      boolean atStart = !leadingSpaceSeen && text.length() == 0;
      if (t == PieceType.CONTROL) {
        continue;
      }
      if (t == PieceType.UNKNOWN) {
        text.append(model.unkSurface);
        continue;
      }
      String piece = model.piece(id);
      if (atStart && model.addDummyPrefix && piece.startsWith(SPACE)) {
        piece = piece.substring(SPACE.length());
        leadingSpaceSeen = true;
      }
      text.append(piece.replace(SPACE, " "));
    }
    if (nBytes > 0) {
      text.append(Utf8.decodeLenient(bytes, 0, nBytes));
    }
    return text.toString();
  }

  private void checkId(int id) {
    if (id < 0 || id >= model.size()) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + model.size() + ")");
    }
  }

  // ---------------------------------------------------------------- vocabulary

  @Override
  public String piece(int id) {
    checkId(id);
    return model.piece(id);
  }

  @Override
  public int pieceId(String piece) {
    Integer id = mergeable.get(piece);
    if (id == null) {
      id = reserved.get(piece);
    }
    return id == null ? -1 : id;
  }

  @Override
  public int vocabSize() {
    return model.size();
  }

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public int unkId() {
    return unkId;
  }
}
