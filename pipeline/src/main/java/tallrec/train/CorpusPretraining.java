package tallrec.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.RandomCheckpoint;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.RecPrompt;
import tallrec.text.Tokenizer;
import tallrec.text.WordLevelVocabulary;

/**
 * Builds a small pretrained backbone from a text corpus, as a Hugging Face model directory
 * ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json},
 * {@code tokenizer_config.json}, {@code train_log.jsonl}): a word-level vocabulary learnt from
 * the corpus and from the TALLRec prompt's own words, a LLaMA-shaped model with random initial
 * weights, then {@link Pretraining} of every weight on the corpus.
 *
 * <p>The demo's backbone ({@code experiment.model.path = pretrained-on-synth}): the synthetic
 * world's corpus ({@code corpus.txt} of {@code synth}) stands in for the web text LLaMA read.
 */
public final class CorpusPretraining {

  /**
   * @param shape the model's shape (its vocabulary is the corpus')
   * @param initSeed the random initial weights' seed
   * @param training epochs, batch, learning rate, schedule and order seed
   * @param nouns the domain nouns whose TALLRec prompts the model will be asked (their words join the vocabulary)
   * @param withInstructions also pretrain on the synthetic dataset's Alpaca instructions (see
   *     {@link #instructionDocuments})
   */
  public record Settings(RandomCheckpoint.Shape shape, long initSeed, Pretraining.Settings training,
      List<String> nouns, boolean withInstructions) {

    /** From {@code experiment.model.pretrained-on-synth} (see reference.conf). */
    public static Settings from(Config c, List<String> nouns) {
      Pretraining.Settings t = new Pretraining.Settings(c.getInt("epochs"), c.getInt("batch"), c.getDouble("lr"),
          c.getInt("warmup-steps"), c.getDouble("weight-decay"), c.getDouble("max-grad-norm"), c.getLong("seed"));
      return new Settings(RandomCheckpoint.Shape.from(c.getConfig("shape")), c.getLong("init-seed"), t,
          List.copyOf(nouns), c.getBoolean("instructions"));
    }
  }

  /** What was built: sizes and the loss curve's ends. */
  public record Outcome(int vocabulary, long parameters, int sentences, Pretraining.Result result) {}

  private CorpusPretraining() {}

  /**
   * Alpaca-format examples (a JSON array of {instruction, input, output}) as pretraining documents:
   * each rendered in the Alpaca template with its response, as instruction data is mixed into a
   * modern LLM's pretraining. It is what gives the template's words and the answer words trained
   * embeddings before any adapter is tuned.
   */
  public static List<String> instructionDocuments(String alpacaJson, String source) {
    List<String> docs = new ArrayList<>();
    JsonElement root;
    try {
      root = JsonParser.parseString(alpacaJson);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonArray()) {
      throw new IllegalArgumentException(source + ": expected a JSON array of {instruction, input, output}");
    }
    int i = 0;
    for (JsonElement e : root.getAsJsonArray()) {
      i++;
      JsonObject o = e.isJsonObject() ? e.getAsJsonObject() : null;
      if (o == null || !o.has("instruction") || !o.has("output")) {
        throw new IllegalArgumentException(source + ": element " + i + " lacks instruction or output");
      }
      String input = o.has("input") ? o.get("input").getAsString() : "";
      docs.add(AlpacaTemplate.prompt(o.get("instruction").getAsString(), input) + o.get("output").getAsString());
    }
    return docs;
  }

  /** Writes the pretrained model into {@code dir} (which must be new or empty: a staging directory). */
  public static Outcome build(List<String> corpus, Settings s, Path dir, PrintStream progress) throws IOException {
    if (corpus.isEmpty()) {
      throw new IllegalArgumentException("the pretraining corpus is empty");
    }
    WordLevelVocabulary vocab = new WordLevelVocabulary().learnAll(corpus);
    for (String noun : s.nouns()) {
      // The prompt's fixed words (template, instruction, field names) and both answers.
      RecPrompt p = RecPrompt.of(noun, List.of("\"a\"", "\"b\""), List.of(1, 0), "\"c\"", 1);
      vocab.learn(p.alpacaPrompt()).learn(RecPrompt.YES).learn(RecPrompt.NO);
      for (AlpacaTemplate t : AlpacaTemplate.values()) {
        vocab.learn(p.alpacaPrompt(t));
      }
    }
    vocab.write(dir);
    RandomCheckpoint.writeWeights(dir, s.shape().config(vocab.size(), vocab.bosId(), vocab.eosId()), s.initSeed());
    try (LlamaCheckpoints.Loaded m = LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options().precision("f32"))) {
      Tokenizer tok = m.tokenizer;
      List<int[]> sequences = new ArrayList<>(corpus.size());
      for (String sentence : corpus) {
        int[] ids = tok.encode(sentence, true);
        int[] withEos = Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = tok.eosId();
        sequences.add(withEos);
      }
      Pretraining.Result r = Pretraining.run(m.model, sequences, tok.padId(), s.training(),
          dir.resolve(Trainer.LOG_FILE), progress);
      RandomCheckpoint.writeTrained(m.model, dir.resolve("model.safetensors"),
          "pretrained on a " + corpus.size() + "-sentence corpus, " + s.training().epochs() + " epochs");
      return new Outcome(vocab.size(), r.parameters(), corpus.size(), r);
    }
  }
}
