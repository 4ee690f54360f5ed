package tallrec.train;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.llm.TruncatablePrompt;
import tallrec.prompt.AlpacaJson;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.RecPrompt;
import tallrec.prompt.SamplePrompt;
import tallrec.text.Tokenizer;

/**
 * Tuning inputs: TALLRec samples (a {@code samples/} or {@code kshot/k=K/seed=S} Parquet
 * directory) or Alpaca JSON ({instruction, input, output}). Small by nature (K-shot sets, a few
 * thousand validation samples), so they are collected to the process that trains, in a fixed
 * order (by id), because the per-epoch shuffle is seeded over that order.
 */
public final class TuneData {

  /**
   * One supervised example: the prompt's parts (rendered items when it has history, so it can be
   * shortened; else a fixed instruction + input), the response, and the label (-1 = none). Plain
   * fields, so a list of them ships to the Spark task that trains.
   */
  public record Labeled(String id, String noun, List<String> historyTexts, List<Integer> historyLabels,
      String targetText, String instruction, String input, String response, int label, String domain)
      implements Serializable {

    /** A TALLRec sample rebuilt from its rendered items (oldest history first); its domain is the noun. */
    public static Labeled rec(String id, String noun, List<String> historyTexts, List<Integer> historyLabels,
        String targetText, String response, int label) {
      return new Labeled(id, noun, new ArrayList<>(historyTexts), new ArrayList<>(historyLabels), targetText, null, null,
          response, label, noun);
    }

    /** A fixed Alpaca-format prompt (instruction + optional input); no domain until {@link #withDomain}. */
    public static Labeled fixed(String id, String instruction, String input, String response, int label) {
      return new Labeled(id, null, List.of(), List.of(), null, instruction, input, response, label, null);
    }

    /** The same sample tagged with a domain (or source name), for per-domain counts and metrics. */
    public Labeled withDomain(String d) {
      return new Labeled(id, noun, historyTexts, historyLabels, targetText, instruction, input, response, label, d);
    }

    public SamplePrompt prompt() {
      return prompt(AlpacaTemplate.ALPACA);
    }

    /** The prompt rendered in {@code template}. */
    public SamplePrompt prompt(AlpacaTemplate template) {
      return (noun != null ? SamplePrompt.of(id, noun, historyTexts, historyLabels, targetText)
          : SamplePrompt.fixed(id, instruction, input)).withTemplate(template);
    }
  }

  private TuneData() {}

  /**
   * Rows of a samples/kshot Parquet directory; {@code split} keeps only that split when the data
   * has it (a kshot set is all train). Prompts are rebuilt from the items' texts (the dataset's
   * {@code item_texts}, attached to these rows), so long ones can lose their oldest history items.
   */
  public static List<Labeled> readSamples(SparkSession spark, String path, String split, Map<String, String> nouns) {
    Dataset<Row> df = spark.read().parquet(path);
    List<String> cols = Arrays.asList(df.columns());
    for (String c : List.of(Columns.SAMPLE_ID, Columns.DOMAIN, Columns.HISTORY_ITEM_IDS, Columns.HISTORY_LABELS,
        Columns.TARGET_ITEM_ID, Columns.LABEL)) {
      if (!cols.contains(c)) {
        throw new IllegalArgumentException("samples at " + path + " have no column '" + c + "' (expected the output of"
            + " `tallrec instructions`: samples/ or kshot/k=K/seed=S)");
      }
    }
    if (split != null && cols.contains("split") && !df.filter(col(Columns.SPLIT).equalTo(split)).isEmpty()) {
      df = df.filter(col(Columns.SPLIT).equalTo(split));
    }
    List<Row> rows = new ArrayList<>(ItemTexts.attach(df, path).select(Columns.SAMPLE_ID, Columns.DOMAIN,
        Columns.HISTORY_TEXTS, Columns.HISTORY_LABELS, Columns.TARGET_TEXT, Columns.LABEL).collectAsList());
    rows.sort(Comparator.comparing(r -> r.<String>getAs(Columns.SAMPLE_ID)));
    List<Labeled> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      String id = r.getAs(Columns.SAMPLE_ID);
      String domain = r.getAs(Columns.DOMAIN);
      String noun = nouns.get(domain);
      if (noun == null) {
        throw new IllegalArgumentException("sample " + id + ": no prompt noun for domain '" + domain
            + "' (add tallrec.domains." + domain + ")");
      }
      int label = r.<Integer>getAs(Columns.LABEL);
      out.add(Labeled.rec(id, noun, r.getList(r.fieldIndex(Columns.HISTORY_TEXTS)),
          r.getList(r.fieldIndex(Columns.HISTORY_LABELS)), r.getAs(Columns.TARGET_TEXT),
          RecPrompt.answer(label), label).withDomain(domain));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no samples in " + path + (split == null ? "" : " (split " + split + ")"));
    }
    return out;
  }

  /** An Alpaca-format JSON array (Stanford Alpaca, or TALLRec's reference train.json/valid.json). */
  public static List<Labeled> readAlpacaJson(Path file, Configuration conf) {
    List<Labeled> out = new ArrayList<>();
    for (AlpacaJson.Entry e : AlpacaJson.read(file, conf)) {
      out.add(Labeled.fixed(e.id(), e.instruction(), e.input(), e.output(), e.label()));
    }
    return out;
  }

  /**
   * Reads any of the supported inputs by its name: *.json is Alpaca JSON (domain = the file name
   * without .json), anything else Parquet samples (domain = the samples' domain column).
   */
  public static List<Labeled> read(SparkSession spark, String path, String split, Map<String, String> nouns) {
    if (path.endsWith(".json")) {
      String name = new Path(path).getName();
      String domain = name.substring(0, name.length() - ".json".length());
      List<Labeled> out = new ArrayList<>();
      for (Labeled l : readAlpacaJson(new Path(path), spark.sparkContext().hadoopConfiguration())) {
        out.add(l.withDomain(domain));
      }
      return out;
    }
    return readSamples(spark, path, split, nouns);
  }

  /** Tokenized training examples; those that cannot fit cutoff even without history are counted in {@code skipped[0]}. */
  public static List<TrainExample> examples(List<Labeled> data, Tokenizer tok, int cutoff, int[] skipped) {
    return examples(data, tok, cutoff, skipped, null);
  }

  /** As above; {@code domains}, when not null, receives each kept example's domain (parallel to the result). */
  public static List<TrainExample> examples(List<Labeled> data, Tokenizer tok, int cutoff, int[] skipped,
      List<String> domains) {
    return examples(data, tok, cutoff, skipped, domains, AlpacaTemplate.ALPACA, Truncation.DROP_HISTORY);
  }

  /** As above, prompts rendered in {@code template} and cut to {@code cutoff} as {@code truncation} says. */
  public static List<TrainExample> examples(List<Labeled> data, Tokenizer tok, int cutoff, int[] skipped,
      List<String> domains, AlpacaTemplate template, Truncation truncation) {
    List<TrainExample> out = new ArrayList<>(data.size());
    for (Labeled l : data) {
      TruncatablePrompt p = l.prompt(template);
      TrainExample e = TrainExample.build(tok, p, l.response(), cutoff, truncation);
      if (e == null) {
        skipped[0]++;
      } else {
        out.add(e);
        if (domains != null) {
          domains.add(l.domain() == null ? "" : l.domain());
        }
      }
    }
    return out;
  }
}
