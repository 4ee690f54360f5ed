package tallrec.baselines;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntFunction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;

/**
 * {@code mllib-lr} and {@code mllib-gbt}: a Spark ML {@link Pipeline} (VectorAssembler + logistic
 * regression or gradient-boosted trees) on {@link SampleFeatures}, fitted on one K-shot set (item
 * statistics from that set too), saved with MLlib's writer under the run's model directory, and
 * applied to the evaluation samples; the score is P(label = 1).
 */
public final class MllibBaseline implements Baseline {

  public static final String LR_NAME = "mllib-lr";
  public static final String GBT_NAME = "mllib-gbt";

  private final String name;
  private final IntFunction<PipelineStage> classifier;
  private final double smoothing;
  private final boolean onePartition;

  private MllibBaseline(String name, IntFunction<PipelineStage> classifier, double smoothing,
      boolean onePartition) {
    this.name = name;
    this.classifier = classifier;
    this.smoothing = smoothing;
    this.onePartition = onePartition;
  }

  /** Logistic regression; deterministic, so the seed only names the K-shot draw. */
  public static MllibBaseline logisticRegression(Config c, double smoothing) {
    return new MllibBaseline(LR_NAME, seed -> new LogisticRegression()
        .setMaxIter(c.getInt("max-iter"))
        .setRegParam(c.getDouble("reg-param"))
        .setElasticNetParam(c.getDouble("elastic-net-param")), smoothing, true);
  }

  /** Gradient-boosted trees, seeded with the K-shot seed (subsampling and feature sampling). */
  public static MllibBaseline gbt(Config c, double smoothing) {
    return new MllibBaseline(GBT_NAME, seed -> new GBTClassifier()
        .setMaxIter(c.getInt("max-iter"))
        .setMaxDepth(c.getInt("max-depth"))
        .setStepSize(c.getDouble("step-size"))
        .setSubsamplingRate(c.getDouble("subsampling-rate"))
        .setSeed(seed), smoothing, false);
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
    ItemStats stats = ItemStats.of(train);
    // A K-shot set is a few dozen rows, and MLlib makes several Spark passes over it (statistics,
    // then its iterations): cached, the item-statistics join behind it is computed once, and in one
    // partition a pass is one task. Only logistic regression gets the single partition: the trees'
    // subsampling draws per partition, so their partitioning (and results) stay as they were.
    Dataset<Row> features = SampleFeatures.of(train, stats, smoothing, true);
    Dataset<Row> trainFeatures = (onePartition ? features.coalesce(1) : features).cache();
    PipelineModel model;
    try {
      model = fit(trainFeatures, run.seed());
    } finally {
      trainFeatures.unpersist();
    }
    if (run.modelDir() != null) {
      try {
        model.write().overwrite().save(run.modelDir().toString());
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot save " + name + " model to " + run.modelDir(), e);
      }
    }
    return apply(model, SampleFeatures.of(eval, stats, smoothing, false));
  }

  /** The features a model trained on {@code train} scores {@code eval} with (to re-apply a saved model). */
  public Dataset<Row> evalFeatures(Dataset<Row> train, Dataset<Row> eval) {
    return SampleFeatures.of(eval, ItemStats.of(train), smoothing, false);
  }

  private PipelineModel fit(Dataset<Row> trainFeatures, int seed) {
    VectorAssembler assembler = new VectorAssembler()
        .setInputCols(SampleFeatures.COLUMNS.toArray(String[]::new))
        .setOutputCol("features");
    PipelineStage clf = classifier.apply(seed);
    return new Pipeline().setStages(new PipelineStage[] {assembler, clf})
        .fit(trainFeatures.withColumn(Columns.LABEL, col(Columns.LABEL).cast("double")));
  }

  /**
   * Scores featurized samples with a fitted (or loaded) pipeline: adds {@code score} = P(1) and
   * drops the features and MLlib's output columns.
   */
  public static Dataset<Row> apply(PipelineModel model, Dataset<Row> features) {
    Dataset<Row> out = model.transform(features)
        .withColumn(Columns.SCORE, functions.vector_to_array(col("probability"), "float64").getItem(1));
    return out.drop("features", "rawPrediction", "probability", "prediction")
        .drop(SampleFeatures.COLUMNS.toArray(String[]::new));
  }
}
