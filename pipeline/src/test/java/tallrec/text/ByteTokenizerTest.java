package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

  private final ByteTokenizer tok = new ByteTokenizer();

  @Test
  void idsAreUtf8BytesThenSpecials() {
    assertArrayEquals(new int[] {257, 'Y', 'e', 's'}, tok.encode("Yes", true));
    assertArrayEquals(new int[] {0xC3, 0xA9}, tok.encode("é", false));
    assertArrayEquals(new int[0], tok.encode("", false));
    assertEquals(259, tok.vocabSize());
    assertEquals(256, tok.padId());
    assertEquals(257, tok.bosId());
    assertEquals(258, tok.eosId());
    assertEquals(-1, tok.unkId());
  }

  @Test
  void decodeSkipsSpecialsAndRoundTrips() {
    String s = "Amélie (2001)\t東京 😀\n";
    int[] ids = tok.encode(s, true);
    int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 2);
    withEos[ids.length] = 258;
    withEos[ids.length + 1] = 256;
    assertEquals(s, tok.decode(withEos));
    assertEquals("\uFFFD", tok.decode(new int[] {0xC3})); // a lone lead byte
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {259}));
  }

  @Test
  void piecesAreReadable() {
    assertEquals("Y", tok.piece('Y'));
    assertEquals("<0x20>", tok.piece(' '));
    assertEquals("<0xC3>", tok.piece(0xC3));
    assertEquals("</s>", tok.piece(258));
    assertEquals(0xC3, tok.pieceId("<0xC3>"));
    assertEquals(257, tok.pieceId("<s>"));
    assertEquals(-1, tok.pieceId("nope"));
  }
}
