package tallrec.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.SamplePrompt;
import tallrec.score.Scoring;
import tallrec.text.SentencePieceTokenizer;
import tallrec.text.Tokenizer;
import tallrec.text.Tokenizers;

/**
 * {@code tallrec bench prompts}: how many tokens the score stage's prompts have, and how many of
 * them lead every prompt (what {@code score.shared-prefix} computes once instead of per prompt).
 */
@Command(
    name = "prompts",
    mixinStandardHelpOptions = true,
    description = "Token counts of the score stage's prompts and the share of the common prefix that "
        + "shared-prefix reuse computes once, per split of a samples directory or Alpaca JSON file.")
public final class BenchPromptsCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--samples", required = true, paramLabel = "PATH",
      description = "A samples/ directory (instructions output) or an Alpaca JSON file.")
  String samples;

  @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
      description = "tokenizer.model / tokenizer.json / model directory (e.g. the LLaMA tokenizer).")
  String tokenizerPath;

  @Option(names = "--splits", split = ",", defaultValue = "test", description = "Splits to count (default: test).")
  List<String> splits;

  @Option(names = "--json-domain", defaultValue = "movie", description = "Domain of an Alpaca JSON file's rows.")
  String jsonDomain;

  @Option(names = "--compare-tokenizer",
      description = "Time encoding the prompts with a SentencePiece model's word cache (a fresh cache, then a filled"
          + " one) against encoding each prompt whole, alternating; fails if any ids differ.")
  boolean compareTokenizer;

  @Override
  public Integer call() throws IOException {
    TallRecConf conf = common.resolve(Map.of());
    SparkSession spark = Jobs.spark(conf, "bench prompts");
    Tokenizer tok = Tokenizers.load(tokenizerPath);
    Map<String, String> nouns = Domains.from(conf).nouns();
    AlpacaTemplate template = AlpacaTemplate.named(conf.section("score").getString("prompt-template"));
    Dataset<Row> rows = Scoring.promptColumns(Scoring.readSamples(spark, samples, splits, jsonDomain));
    boolean rebuildable = Arrays.asList(rows.columns()).contains("history_texts");
    Map<String, List<Row>> bySplit = new LinkedHashMap<>();
    for (Row r : rows.collectAsList()) {
      bySplit.computeIfAbsent(r.getAs(Columns.DOMAIN) + "/" + r.getAs(Columns.SPLIT), k -> new ArrayList<>()).add(r);
    }
    System.out.printf("tokenizer %s, template %s%n", tokenizerPath, template.key());
    for (Map.Entry<String, List<Row>> e : bySplit.entrySet()) {
      List<String> texts = new ArrayList<>();
      for (SamplePrompt p : Scoring.prompts(e.getValue(), rebuildable, nouns, template)) {
        texts.add(p.render(0));
      }
      List<int[]> ids = new ArrayList<>();
      long tokens = 0;
      for (String text : texts) {
        int[] t = tok.encode(text, true);
        ids.add(t);
        tokens += t.length;
      }
      int prefix = YesNoScorer.commonPrefixLength(ids);
      double mean = (double) tokens / ids.size();
      System.out.printf(Locale.ROOT, "%s: %,d prompts, %.1f tokens each (BOS included), %d-token common prefix = "
          + "%.1f%% of prompt tokens%n", e.getKey(), ids.size(), mean, prefix, 100.0 * prefix / mean);
      if (compareTokenizer) {
        compareEncoders(tok, texts, ids);
      }
    }
    return 0;
  }

  /** Rounds of the comparison: the first warms the JIT up, the best of the rest is printed. */
  private static final int COMPARE_ROUNDS = 4;

  private static void compareEncoders(Tokenizer tok, List<String> texts, List<int[]> expected) {
    if (!(tok instanceof SentencePieceTokenizer sp)) {
      System.out.println("  --compare-tokenizer: not a SentencePiece model; nothing to compare");
      return;
    }
    double whole = Double.MAX_VALUE;
    double fresh = Double.MAX_VALUE;
    double filled = Double.MAX_VALUE;
    for (int round = 0; round < COMPARE_ROUNDS; round++) {
      SentencePieceTokenizer words = new SentencePieceTokenizer(sp.model());
      double w = encodeSeconds(sp.wholeText(), texts, expected);
      double f = encodeSeconds(words, texts, expected);
      double c = encodeSeconds(words, texts, expected);
      if (round > 0) {
        whole = Math.min(whole, w);
        fresh = Math.min(fresh, f);
        filled = Math.min(filled, c);
      }
    }
    int n = texts.size();
    System.out.printf(Locale.ROOT, "  encode, prompts/s (best of %d rounds after one warm-up; same ids): whole text %,.0f |"
        + " word cache fresh %,.0f (%.1fx) | filled %,.0f (%.1fx)%n", COMPARE_ROUNDS - 1, n / whole, n / fresh,
        whole / fresh, n / filled, whole / filled);
  }

  private static double encodeSeconds(Tokenizer tok, List<String> texts, List<int[]> expected) {
    long t0 = System.nanoTime();
    for (int i = 0; i < texts.size(); i++) {
      if (!Arrays.equals(expected.get(i), tok.encode(texts.get(i), true))) {
        throw new IllegalStateException("prompt " + i + " encodes differently with and without the word cache");
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
