package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

class TokenizeCommandTest {

  private static String llama() {
    return SharedData.require("models/llama2-tokenizer/tokenizer.model").toString();
  }

  @Test
  void jsonlModeWritesOneIdArrayPerLine(@TempDir Path dir) throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"text\": \"Yes.\"}",
        "{\"id\": 7, \"text\": \"### Response:\\nNo.\"}",
        "{\"text\": \"\"}",
        "{\"text\": \"Amélie (2001)\"}") + "\n", StandardCharsets.UTF_8);
    Path out = dir.resolve("sub/out.jsonl");
    assertEquals(0, TallRecCli.execute("tokenize", "--tokenizer", llama(), "--input", in.toString(),
        "--output", out.toString()));
    assertEquals(List.of(
        "[3869, 29889]",
        "[835, 13291, 29901, 13, 3782, 29889]",
        "[]",
        "[1913, 29948, 3197, 313, 29906, 29900, 29900, 29896, 29897]"), Files.readAllLines(out));
  }

  @Test
  void textModePrintsIdsThenPieces() {
    String printed = captureStdout(() ->
        assertEquals(0, TallRecCli.execute("tokenize", "--tokenizer", llama(), "--text", "Yes.", "--bos")));
    assertEquals(List.of("[1, 3869, 29889]", "1\t<s>", "3869\t\u2581Yes", "29889\t."), printed.lines().toList());
  }

  @Test
  void byteTokenizerByName() {
    String printed = captureStdout(() ->
        assertEquals(0, TallRecCli.execute("tokenize", "--tokenizer", "byte", "--text", "é")));
    assertTrue(printed.startsWith("[195, 169]\n"), printed);
  }

  @Test
  void lineWithoutTextIsAnErrorNamingFileAndLine(@TempDir Path dir) throws IOException {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"txt\": \"typo\"}\n");
    Path out = dir.resolve("out.jsonl");
    String err = captureStderr(() -> assertEquals(1, TallRecCli.execute("tokenize", "--tokenizer", llama(),
        "--input", in.toString(), "--output", out.toString())));
    assertTrue(err.contains(in + " line 2"), err);
    assertFalse(Files.exists(out), "a failed run must not leave a partial output");
  }

  @Test
  void missingInputIsAnErrorNamingIt(@TempDir Path dir) {
    Path in = dir.resolve("nope.jsonl");
    String err = captureStderr(() -> assertEquals(1, TallRecCli.execute("tokenize", "--tokenizer", "byte",
        "--input", in.toString())));
    assertTrue(err.contains(in.toString()), err);
  }

  @Test
  void textAndInputAreExclusive() {
    captureStderr(() -> assertEquals(2, TallRecCli.execute("tokenize", "--tokenizer", "byte", "--text", "a",
        "--input", "x.jsonl")));
  }

  private static String captureStdout(Runnable r) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(saved);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static String captureStderr(Runnable r) {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(saved);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
