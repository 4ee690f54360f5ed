package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

class TokenizersTest {

  @Test
  void picksTheFormat() throws IOException {
    assertTrue(Tokenizers.load(SharedData.require("models/llama2-tokenizer/tokenizer.model")) instanceof SentencePieceTokenizer);
    assertTrue(Tokenizers.load(SharedData.require("models/stories260K/tok512.bin")) instanceof Llama2cTokenizer);
    assertTrue(Tokenizers.load("byte") instanceof ByteTokenizer);
    assertTrue(Tokenizers.load(Path.of("byte")) instanceof ByteTokenizer);
  }

  @Test
  void directoryUsesItsTokenizerModel() throws IOException {
    Tokenizer tok = Tokenizers.load(SharedData.require("models/stories260K-hf"));
    assertTrue(tok instanceof SentencePieceTokenizer);
    assertArrayEquals(SentencePieceTokenizerTest.stories().encode("Once upon a time", true), tok.encode("Once upon a time", true));
  }

  @Test
  void streamsByFileName() throws IOException {
    try (InputStream in = Files.newInputStream(SharedData.require("models/stories260K/tok512.bin"))) {
      assertTrue(Tokenizers.load("tok512.bin", in) instanceof Llama2cTokenizer);
    }
  }

  @Test
  void errorsNameThePath(@TempDir Path dir) throws IOException {
    assertMessageNames(dir.resolve("missing.model"), () -> Tokenizers.load(dir.resolve("missing.model")));
    assertMessageNames(dir, () -> Tokenizers.load(dir));
    Path txt = Files.writeString(dir.resolve("vocab.txt"), "a\n");
    assertMessageNames(txt, () -> Tokenizers.load(txt));
  }

  private static void assertMessageNames(Path p, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
  }
}
