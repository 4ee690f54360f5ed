package tallrec.baselines;

import com.typesafe.config.Config;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.baselines.sequential.Architecture;
import tallrec.baselines.sequential.ItemVectors;
import tallrec.baselines.sequential.SequentialBaseline;
import tallrec.baselines.text.ItemTextEmbeddings;

/**
 * The paper's text-aware baselines (GRU-BERT, DROS-BERT) with all-MiniLM-L6-v2 in place of BERT's
 * CLS vector, which is not available here: GRU4Rec or DROS with each item's sentence embedding
 * concatenated to its ID embedding. The {@code baselines} stage computes the embeddings once per
 * item catalogue in Spark, caches them as Parquet beside {@code samples/} and hands them over with
 * {@link #useItemVectors} before the first run.
 */
public final class TextAwareBaseline implements Baseline {

  public static final String GRU_NAME = "gru-minilm";
  public static final String DROS_NAME = "dros-minilm";

  private final String name;
  private final Architecture arch;
  private final Config sequential;
  private final ItemTextEmbeddings.Settings embeddings;
  private SequentialBaseline model;

  public TextAwareBaseline(String name, Architecture arch, Config baselines) {
    this.name = name;
    this.arch = arch;
    this.sequential = baselines.getConfig("sequential");
    this.embeddings = ItemTextEmbeddings.Settings.fromConfig(baselines.getConfig("item-embeddings"));
  }

  public ItemTextEmbeddings.Settings embeddingSettings() {
    return embeddings;
  }

  /** The item vectors (item id → 384 floats) of every item the samples mention. */
  public void useItemVectors(Map<String, float[]> vectors) {
    int dim = vectors.values().stream().findFirst().map(v -> v.length).orElse(384);
    model = SequentialBaseline.withItemVectors(name, arch, sequential, ItemVectors.of(dim, id -> {
      float[] v = vectors.get(id);
      return v != null ? v : new float[dim]; // an item without text: no text signal, as documented
    }));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Training training() {
    return Training.KSHOT;
  }

  @Override
  public Dataset<Row> score(Dataset<Row> train, Dataset<Row> eval, Run run) {
    if (model == null) {
      throw new IllegalStateException(name + " has no item vectors: the baselines stage computes them (see Baselines)");
    }
    return model.score(train, eval, run);
  }
}
