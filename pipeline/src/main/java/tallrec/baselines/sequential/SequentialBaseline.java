package tallrec.baselines.sequential;

import static org.apache.spark.sql.functions.col;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import tallrec.baselines.Baseline;
import tallrec.data.Columns;
import tallrec.dataset.SplitName;

/**
 * {@code gru4rec}, {@code caser}, {@code sasrec}, {@code dros}: the TALLRec paper's sequential
 * recommenders on item-ID embeddings, one model per K-shot set. The K-shot rows and the evaluation
 * rows' ids are collected to the driver (both are small), the model is trained there with DJL for
 * every weight decay of {@code weight-decays} and the one with the best validation AUC scores every
 * evaluation row ({@link WeightDecaySearch}); the scores come back as a column joined by
 * {@code sample_id}. The run's seed seeds initialisation, batch order and dropout: a seed repeats
 * bit for bit on CPU.
 */
public final class SequentialBaseline implements Baseline {

  private static final StructType SCORES = new StructType()
      .add(Columns.SAMPLE_ID, DataTypes.StringType, false)
      .add(Columns.SCORE, DataTypes.DoubleType, false);

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
    List<SeqSample> evalRows = collect(eval);
    ItemIndex index = indexOf(trainRows, evalRows);
    int l = settings.historyLength();
    WeightDecaySearch.Outcome out;
    Engine.getInstance();  // loads the native library before its thread settings are touched
    int threads = JniUtils.getNumThreads();
    try {
      // Ops on a few hundred rows: torch's intra-op parallelism only adds barrier waits (and
      // spins badly on a busy machine), so the search runs single-threaded unless told otherwise.
      JniUtils.setNumThreads(settings.torchThreads());
      out = WeightDecaySearch.run(arch, settings, vectors, index, new SeqData(trainRows, index, l),
          new SeqData(evalRows, index, l), run.seed());
    } finally {
      JniUtils.setNumThreads(threads);
    }
    float[] scores = out.chosen().scores();
    List<Row> rows = new ArrayList<>(evalRows.size());
    for (int i = 0; i < evalRows.size(); i++) {
      rows.add(RowFactory.create(evalRows.get(i).sampleId(), (double) scores[i]));
    }
    SparkSession spark = eval.sparkSession();
    return eval.join(spark.createDataFrame(rows, SCORES), "sample_id");
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
      List<String> items = r.getList(r.fieldIndex(Columns.HISTORY_ITEM_IDS));
      List<Integer> labels = r.getList(r.fieldIndex(Columns.HISTORY_LABELS));
      out.add(new SeqSample(r.getAs(Columns.SAMPLE_ID), List.copyOf(items), List.copyOf(labels),
          r.getAs(Columns.TARGET_ITEM_ID), r.<Integer>getAs(Columns.LABEL),
          SplitName.VALID.value().equals(r.getAs(Columns.SPLIT))));
    }
    out.sort(Comparator.comparing(SeqSample::sampleId));
    return out;
  }
}
