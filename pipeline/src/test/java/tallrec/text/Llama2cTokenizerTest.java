package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

class Llama2cTokenizerTest {

  static Llama2cTokenizer tok512() throws IOException {
    return Llama2cTokenizer.load(SharedData.require("models/stories260K/tok512.bin"));
  }

  @Test
  void sameVocabularyAsTheSentencePieceModel() throws IOException {
    Llama2cTokenizer bin = tok512();
    SentencePieceTokenizer sp = SentencePieceTokenizerTest.stories();
    assertEquals(512, bin.vocabSize());
    assertEquals(sp.vocabSize(), bin.vocabSize());
    for (int id = 3; id < bin.vocabSize(); id++) {
      assertEquals(sp.piece(id).replace(SentencePieceTokenizer.SPACE, " "), bin.piece(id), "piece " + id);
      assertEquals(sp.model().score(id), bin.score(id), "score " + id);
    }
    assertEquals(sp.pieceId("\u2581Once"), bin.pieceId(" Once"));
    assertEquals(bin.pieceId(" Once"), bin.pieceId("\u2581Once"));
  }

  /**
   * Checked, not assumed: run.c's algorithm and sentencepiece give the same ids on every case,
   * ASCII or not, except text holding a literal U+2581 (sentencepiece reads it as its own space
   * symbol; llama2.c stores spaces as ' ' and byte-encodes U+2581).
   */
  @Test
  void agreesWithSentencePiece() throws IOException {
    Llama2cTokenizer bin = tok512();
    ExpectedIds expected = ExpectedIds.read("stories260k_expected.json");
    List<String> failures = new ArrayList<>();
    int ascii = 0;
    int compared = 0;
    for (ExpectedIds.EncodeCase c : expected.cases) {
      if (c.text().contains(SentencePieceTokenizer.SPACE)) {
        continue;
      }
      compared++;
      if (StandardCharsets.US_ASCII.newEncoder().canEncode(c.text())) {
        ascii++;
      }
      int[] ids = bin.encode(c.text(), true);
      int[] want = new int[c.ids().length + 1];
      want[0] = 1;
      System.arraycopy(c.ids(), 0, want, 1, c.ids().length);
      if (!Arrays.equals(want, ids)) {
        failures.add(c.text() + ": expected " + Arrays.toString(want) + " got " + Arrays.toString(ids));
      }
    }
    assertTrue(ascii > 50 && compared > 300, "too few cases: " + ascii + " ASCII of " + compared);
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void roundTrips() throws IOException {
    Llama2cTokenizer bin = tok512();
    for (String s : List.of("Once upon a time, there was a dog named Max.", SentencePieceTokenizerTest.PROMPT,
        "Amélie (2001) 東京 😀", "  two  spaces\tand\nlines  ", "")) {
      assertEquals(s, bin.decode(bin.encode(s, true)), s);
      assertEquals(s, bin.decode(bin.encode(s, false)), s);
    }
  }

  @Test
  void bytesFallBackAtPlusThree() throws IOException {
    Llama2cTokenizer bin = tok512();
    int[] ids = bin.encode("😀", false);
    // Dummy-prefix " ", then F0 9F 98 80 as ids byte + 3.
    assertArrayEquals(new int[] {bin.pieceId(" "), 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, ids);
    assertEquals("<0xF0>", bin.piece(0xF0 + 3));
  }

  @Test
  void decodePieceFollowsRunC() throws IOException {
    Llama2cTokenizer bin = tok512();
    int once = bin.pieceId(" Once");
    assertEquals("Once", new String(bin.decodePiece(1, once), StandardCharsets.UTF_8));
    assertEquals(" Once", new String(bin.decodePiece(once, once), StandardCharsets.UTF_8));
    assertArrayEquals(new byte[] {'\n'}, bin.decodePiece(once, 0x0A + 3));
    assertEquals("Once upon", bin.decode(new int[] {1, once, bin.pieceId(" upon"), 2}));
  }

  @Test
  void specialIds() throws IOException {
    Llama2cTokenizer bin = tok512();
    assertEquals(1, bin.bosId());
    assertEquals(2, bin.eosId());
    assertEquals(0, bin.unkId());
    assertEquals(-1, bin.padId());
    assertArrayEquals(new int[] {1}, bin.encode("", true));
    assertArrayEquals(new int[0], bin.encode("", false));
  }

  @Test
  void loadsFromStream() throws IOException {
    try (InputStream in = Files.newInputStream(SharedData.require("models/stories260K/tok512.bin"))) {
      Llama2cTokenizer bin = Llama2cTokenizer.load(in);
      assertArrayEquals(tok512().encode("Once upon a time", true), bin.encode("Once upon a time", true));
    }
  }

  @Test
  void rejectsTruncatedFileNamingIt(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.bin");
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(8).putFloat(0f).putInt(100); // claims a 100-byte piece, longer than max_token_length
    Files.write(bad, b.array());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }
}
