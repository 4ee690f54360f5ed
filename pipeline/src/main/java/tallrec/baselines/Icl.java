package tallrec.baselines;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import tallrec.conf.Domains;
import tallrec.score.Scoring;

/**
 * {@code icl}: the untuned base LLM answering the same TALLRec prompt, with no adapter — the
 * paper's in-context-learning baseline. Scores are P(Yes) from the first answer token's logits,
 * computed by the {@code score} stage's own code ({@link Scoring#score}: Spark mapPartitions, one
 * model per executor JVM), so they equal {@code tallrec score} without {@code --adapter} on the
 * same samples.
 *
 * <p>Its {@code scores} rows name the backbone, not the method: {@code model} = the model's name
 * (default: the model path's last element), {@code variant = "icl"}, k = 0, seed = 0. In
 * {@code evaluate}'s table it therefore sits beside the same backbone's rec-tuned runs
 * ({@code variant = "lora"}), as in the paper's tables, and apart from a plain {@code score} run
 * of that backbone (variant "").
 */
public final class Icl implements Baseline {

  public static final String NAME = "icl";
  public static final String VARIANT = "icl";

  private final Scoring.Settings settings;
  private final int partitions;
  private final Map<String, String> nouns;

  public Icl(Scoring.Settings settings, int partitions, Map<String, String> nouns) {
    this.settings = settings;
    this.partitions = partitions;
    this.nouns = new LinkedHashMap<>(nouns);
  }

  /**
   * From the baselines section ({@code icl { model, tokenizer, batch-size, … }}) and the domains'
   * prompt nouns ({@code domains.D.noun}, which {@link BaselineRegistry} places beside it).
   */
  static Icl fromConfig(Config baselines) {
    Config c = baselines.getConfig("icl");
    String model = c.getString("model").trim();
    if (model.isEmpty()) {
      throw new IllegalArgumentException("Baseline icl needs a model: pass --model DIR (or set "
          + "tallrec.baselines.icl.model), the base LLaMA-family checkpoint it scores without an adapter");
    }
    if (!baselines.hasPath("domains")) {
      throw new IllegalStateException("Baseline icl needs the domains' prompt nouns: resolve it with "
          + "BaselineRegistry.resolve(names, TallRecConf)");
    }
    Map<String, String> nouns = Domains.of(baselines.getConfig("domains")).nouns();
    String tokenizer = c.getString("tokenizer").trim();
    String name = c.getString("model-name").trim();
    if (name.isEmpty()) {
      name = new Path(model).getName();
    }
    Scoring.Settings s = Scoring.Settings.builder(model).tokenizer(tokenizer.isEmpty() ? null : tokenizer)
        .scoring(c).label(name, VARIANT, "", 0, 0).build();
    return new Icl(s, c.getInt("partitions"), nouns);
  }

  public Scoring.Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Training training() {
    return Training.NONE;
  }

  @Override
  public String scoresModel() {
    return settings.modelName();
  }

  @Override
  public String scoresVariant() {
    return VARIANT;
  }

  /** {@code eval} scored by the base model; the rows also carry {@code logit_yes} and {@code logit_no}. */
  @Override
  public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
    SparkSession spark = eval.sparkSession();
    CollectionAccumulator<String> executors = spark.sparkContext().collectionAccumulator("icl.executors");
    return Scoring.score(Scoring.prepare(spark, eval, 0, partitions), settings, nouns, executors);
  }
}
