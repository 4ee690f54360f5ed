package tallrec.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tallrec.text.Tokenizer;
import tallrec.text.Tokenizers;

/**
 * {@code tallrec tokenize}: shows how a tokenizer splits text, or turns a JSONL file of
 * {@code {"text": ...}} objects into one JSON id array per line (no BOS), e.g. {@code [3869, 29889]}.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = "Tokenize text with a tokenizer.model, tokenizer.bin, tokenizer.json, a model directory, or 'byte'.")
public final class TokenizeCommand implements Callable<Integer> {

  /** Config key (below {@code tallrec.}) that --tokenizer sets, so a --conf file can name it too. */
  static final String TOKENIZER_KEY = "tokenize.tokenizer";

  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "Tokenizer file or directory, or 'byte' (or set " + TOKENIZER_KEY + " in --conf).")
  String tokenizer;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--text", paramLabel = "TEXT", description = "Print the ids and pieces of this text.")
    String text;

    @Option(names = "--input", paramLabel = "FILE.jsonl",
        description = "JSONL, one object with a string 'text' field per line; writes one id array per line.")
    Path input;
  }

  @Option(names = "--output", paramLabel = "FILE", description = "Where --input's id arrays go (default: stdout).")
  Path output;

  @Option(names = "--bos", description = "Prepend BOS (default: no BOS).")
  boolean bos;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> flags = new HashMap<>();
    flags.put(TOKENIZER_KEY, tokenizer);
    Config conf = common.resolve(flags).root();
    if (!conf.hasPath(TOKENIZER_KEY)) {
      throw new IllegalArgumentException("no tokenizer: pass --tokenizer PATH (or set " + TOKENIZER_KEY + ")");
    }
    Tokenizer tok = Tokenizers.load(conf.getString(TOKENIZER_KEY));
    PrintWriter out = spec.commandLine().getOut();
    if (source.text != null) {
      printPieces(tok, source.text, out);
    } else if (output == null) {
      tokenizeJsonl(tok, source.input, out);
      out.flush();
    } else {
      writeJsonl(tok, source.input, output);
    }
    return 0;
  }

  private void printPieces(Tokenizer tok, String text, PrintWriter out) {
    int[] ids = tok.encode(text, bos);
    out.println(idArray(ids));
    for (int id : ids) {
      out.println(id + "\t" + printable(tok.piece(id)));
    }
    out.flush();
  }

  /** Pieces can hold newlines or tabs (llama2.c stores BOS as "\n<s>\n"); keep one per line. */
  private static String printable(String piece) {
    return piece.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
  }

  private void writeJsonl(Tokenizer tok, Path input, Path output) throws IOException {
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    boolean done = false;
    try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(output), StandardCharsets.UTF_8))) {
      tokenizeJsonl(tok, input, w);
      done = true;
    } finally {
      if (!done) {
        // A half-written file would look like a complete result to the next stage.
        Files.deleteIfExists(output);
      }
    }
  }

  private void tokenizeJsonl(Tokenizer tok, Path input, Writer out) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      String line;
      long lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        out.write(idArray(tok.encode(text(json, line, input, lineNo), bos)));
        out.write('\n');
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("input not found: " + input, e);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException(input + ": not UTF-8 text", e);
    }
  }

  private static String text(ObjectMapper json, String line, Path input, long lineNo) {
    JsonNode node;
    try {
      node = json.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(input + " line " + lineNo + ": not JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode text = node == null ? null : node.get("text");
    if (text == null || !text.isTextual()) {
      throw new IllegalArgumentException(input + " line " + lineNo + ": expected a JSON object with a string 'text' field");
    }
    return text.asText();
  }

  /** Compact JSON with a space after each comma, e.g. {@code [1, 3869, 29889]}. */
  static String idArray(int[] ids) {
    StringBuilder sb = new StringBuilder(ids.length * 7 + 2).append('[');
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(ids[i]);
    }
    return sb.append(']').toString();
  }
}
