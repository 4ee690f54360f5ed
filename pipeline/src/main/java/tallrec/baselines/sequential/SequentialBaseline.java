package tallrec.baselines.sequential;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import tallrec.baselines.Baseline;
import tallrec.data.Columns;
import tallrec.dataset.SplitName;
import tallrec.llm.TorchThreads;

/**
 * {@code gru4rec}, {@code caser}, {@code sasrec}, {@code dros}: the TALLRec paper's sequential
 * recommenders on item-ID embeddings, one model per K-shot set. The K-shot rows and the evaluation
 * rows are collected to the driver (both are small; the evaluation rows once per stage, shared by
 * its fits), the model is trained there with DJL for every weight decay of {@code weight-decays}
 * and the one with the best validation AUC scores every evaluation row ({@link WeightDecaySearch});
 * the scores come back as a column added to the evaluation rows. The run's seed seeds
 * initialisation, batch order and dropout: a seed repeats bit for bit on CPU, whatever else runs
 * beside it.
 */
public final class SequentialBaseline implements Baseline {

  private final String name;
  private final Architecture arch;
  private final SeqSettings settings;
  private final ItemVectors vectors;

  public SequentialBaseline(String name, Architecture arch, SeqSettings settings, ItemVectors vectors) {
    if (vectors != null && !arch.acceptsItemVectors()) {
      throw new IllegalArgumentException(arch.baselineName + " does not take item vectors");
    }
    this.name = name;
    this.arch = arch;
    this.settings = settings;
    this.vectors = vectors;
  }

  /** The registry's entry: {@code arch}'s name, ID embeddings only. */
  public static SequentialBaseline of(Architecture arch, Config sequential) {
    return new SequentialBaseline(arch.baselineName, arch, SeqSettings.from(sequential), null);
  }

  /** GRU4Rec or DROS with a fixed vector per item concatenated to its ID embedding (e.g. {@code gru-minilm}). */
  public static SequentialBaseline withItemVectors(String name, Architecture arch, Config sequential,
      ItemVectors vectors) {
    return new SequentialBaseline(name, arch, SeqSettings.from(sequential), vectors);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Training training() {
    return Training.KSHOT;
  }

  public SeqSettings settings() {
    return settings;
  }

  @Override
  public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
    List<SeqSample> trainRows = collect(train);
    Collected evalRows = collectOnce(eval);
    ItemIndex index = indexOf(trainRows, evalRows.samples());
    int l = settings.historyLength();
    WeightDecaySearch.Outcome out;
    // Ops on a few hundred rows: torch's intra-op parallelism only adds barrier waits (and spins
    // badly on a busy machine), so the search runs single-threaded unless told otherwise; the
    // stage gets its parallelism from several fits at once instead (Baselines.Settings#parallelFits).
    try (TorchThreads.Hold threads = TorchThreads.limit(settings.torchThreads())) {
      out = WeightDecaySearch.run(arch, settings, vectors, index, new SeqData(trainRows, index, l),
          new SeqData(evalRows.samples(), index, l), run.seed());
    }
    float[] scores = out.chosen().scores();
    // The evaluation rows are on the driver already: add the score there instead of joining a
    // scores frame back onto eval (a shuffle per fit).
    List<Row> rows = new ArrayList<>(scores.length);
    for (int i = 0; i < scores.length; i++) {
      Row r = evalRows.rows().get(i);
      Object[] values = new Object[r.length() + 1];
      for (int c = 0; c < r.length(); c++) {
        values[c] = r.get(c);
      }
      values[r.length()] = (double) scores[i];
      rows.add(RowFactory.create(values));
    }
    return eval.sparkSession().createDataFrame(rows, eval.schema().add(Columns.SCORE, DataTypes.DoubleType, false));
  }

  /** The evaluation rows (whole, and as samples in the same order) of one eval set, collected for all its fits. */
  private record Collected(Dataset<Row> source, List<Row> rows, List<SeqSample> samples) {}

  private Collected collected;

  /**
   * {@code eval} on the driver, sorted by sample id; collected once per eval set (the stage hands
   * every fit the same cached Dataset), not once per fit.
   */
  private synchronized Collected collectOnce(Dataset<Row> eval) {
    if (collected == null || collected.source() != eval) {
      List<Row> rows = new ArrayList<>(eval.collectAsList());
      rows.sort(Comparator.comparing(r -> r.<String>getAs(Columns.SAMPLE_ID)));
      collected = new Collected(eval, List.copyOf(rows), rows.stream().map(SequentialBaseline::sample).toList());
    }
    return collected;
  }

  /** Every item of the training and evaluation rows, targets and histories. */
  static ItemIndex indexOf(List<SeqSample> train, List<SeqSample> eval) {
    Set<String> items = new HashSet<>();
    for (List<SeqSample> l : List.of(train, eval)) {
      for (SeqSample s : l) {
        items.add(s.target());
        items.addAll(s.history());
      }
    }
    return new ItemIndex(items);
  }

  /** The ids, labels and split of each row, sorted by sample id (the order Spark returns rows in is not fixed). */
  static List<SeqSample> collect(Dataset<Row> samples) {
    List<SeqSample> out = new ArrayList<>();
    for (Row r : samples.select(col(Columns.SAMPLE_ID), col(Columns.HISTORY_ITEM_IDS), col(Columns.HISTORY_LABELS),
        col(Columns.TARGET_ITEM_ID), col(Columns.LABEL), col(Columns.SPLIT)).collectAsList()) {
      out.add(sample(r));
    }
    out.sort(Comparator.comparing(SeqSample::sampleId));
    return out;
  }

  private static SeqSample sample(Row r) {
    List<String> items = r.getList(r.fieldIndex(Columns.HISTORY_ITEM_IDS));
    List<Integer> labels = r.getList(r.fieldIndex(Columns.HISTORY_LABELS));
    return new SeqSample(r.getAs(Columns.SAMPLE_ID), List.copyOf(items), List.copyOf(labels),
        r.getAs(Columns.TARGET_ITEM_ID), r.<Integer>getAs(Columns.LABEL),
        SplitName.VALID.value().equals(r.getAs(Columns.SPLIT)));
  }
}
