package tallrec.baselines.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.min;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.data.Schemas;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * Item text embeddings for the text-aware baselines: one all-MiniLM-L6-v2 vector (384 floats,
 * L2-normalised, see {@link MiniLm}) per distinct item of a samples dataset, embedding the item's
 * text as the prompt renders it ({@code target_text} / {@code history_texts}).
 *
 * <p>Computed in Spark (items spread over partitions, each embedded in length-sorted batches by
 * the executor JVM's one {@link MiniLm}) and cached as Parquet ({@link #SCHEMA}) with a
 * {@code _MANIFEST.json}. {@link #ensure} reuses the cache when its manifest fingerprint
 * (the samples' own manifest fingerprint, the settings that change vectors, the code version)
 * matches, and recomputes it otherwise. {@link #load} gives the vectors to driver-side trainers.
 */
public final class ItemTextEmbeddings {

  public static final String STAGE = "item-embeddings";
  /** Default cache directory name, beside {@code samples/}. */
  public static final String DIR_NAME = "item-embeddings";

  public static final StructType SCHEMA = new StructType()
      .add(Columns.ITEM_ID, DataTypes.StringType, false)
      .add(Columns.TEXT, DataTypes.StringType, false)
      .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  /**
   * How to embed. Only {@code maxTokens} changes the vectors (and is fingerprinted); batch size
   * (padding within a batch moves them by ~1e-7), threads and partitions only change speed.
   */
  public record Settings(int batchSize, int maxTokens, int threads, int partitions) implements Serializable {

    public static Settings defaults() {
      return new Settings(64, MiniLm.DEFAULT_MAX_TOKENS, 0, 0);
    }

    /** From {@code tallrec.baselines.item-embeddings}. */
    public static Settings fromConfig(Config c) {
      return new Settings(c.getInt("batch-size"), c.getInt("max-tokens"), c.getInt("threads"), c.getInt("partitions"));
    }

    /** What determines the vectors, for the manifest (so also its fingerprint). */
    String vectorsJson() {
      return "{\"model\":\"" + MiniLm.NAME + "\",\"dim\":" + MiniLm.DIM + ",\"pooling\":\"mean\",\"normalize\":true,"
          + "\"max-tokens\":" + maxTokens + "}";
    }
  }

  /** Where the vectors are, how many, whether an existing cache was reused, and the time taken. */
  public record Result(Path path, long items, boolean reused, double seconds) {}

  private ItemTextEmbeddings() {}

  /** {@code DATASET/item-embeddings} for {@code DATASET/samples}. */
  public static Path besideSamples(Path samplesPath) {
    String s = samplesPath.toString().replaceAll("/+$", "");
    return new Path(new Path(s).getParent(), DIR_NAME);
  }

  /**
   * Every distinct item of {@code samples} (targets and history items of all splits) with its
   * text: {@code item_id string, text string}. An item rendered two ways keeps the smaller text.
   */
  public static Dataset<Row> itemTexts(Dataset<Row> samples) {
    Dataset<Row> targets = samples.select(col(Columns.TARGET_ITEM_ID).as(Columns.ITEM_ID),
        col(Columns.TARGET_TEXT).as(Columns.TEXT));
    Dataset<Row> history = samples
        .select(expr("explode(transform(history_item_ids, (id, i) -> named_struct('item_id', id, 'text', history_texts[i])))")
            .as("h"))
        .select(col("h.item_id").as(Columns.ITEM_ID), col("h.text").as(Columns.TEXT));
    return targets.union(history)
        .filter(col(Columns.ITEM_ID).isNotNull().and(col(Columns.TEXT).isNotNull()))
        .groupBy(Columns.ITEM_ID).agg(min("text").as(Columns.TEXT));
  }

  /**
   * Embeds {@code items} ({@code item_id, text}) in Spark: rows of {@link #SCHEMA}, one per input row.
   * Each partition's texts go through the executor JVM's {@link MiniLm} in batches.
   */
  public static Dataset<Row> compute(Dataset<Row> items, Settings s) {
    int n = s.partitions() > 0 ? s.partitions() : items.sparkSession().sparkContext().defaultParallelism();
    return items.select(Columns.ITEM_ID, Columns.TEXT).repartition(Math.max(1, n), col(Columns.ITEM_ID))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> embedPartition(rows, s), Encoders.row(SCHEMA));
  }

  private static Iterator<Row> embedPartition(Iterator<Row> rows, Settings s) {
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    rows.forEachRemaining(r -> {
      ids.add(r.getString(0));
      texts.add(r.getString(1));
    });
    if (ids.isEmpty()) {
      return List.<Row>of().iterator();
    }
    float[][] vectors = MiniLm.get(s.threads()).embed(texts, s.batchSize(), s.maxTokens());
    List<Row> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.add(RowFactory.create(ids.get(i), texts.get(i), boxed(vectors[i])));
    }
    return out.iterator();
  }

  /** The direct, driver-side call for one text (what {@link #compute} does per row). */
  public static float[] embed(String text, Settings s) {
    return MiniLm.get(s.threads()).embed(List.of(text), 1, s.maxTokens())[0];
  }

  /**
   * The item embeddings of the samples at {@code samplesPath}, cached at {@code out}: reused when
   * {@code out}'s manifest fingerprint matches (same samples, settings and code version), else
   * computed and committed (staged beside {@code out}, then renamed into place).
   */
  public static Result ensure(SparkSession spark, Path samplesPath, Path out, Settings s) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path samplesDir = Fs.of(samplesPath, conf).makeQualified(samplesPath);
    Path target = Fs.of(out, conf).makeQualified(out);
    if (!Fs.exists(samplesDir, conf)) {
      throw new IllegalArgumentException("Samples not found: " + samplesDir + " (run `tallrec instructions` first)");
    }
    long t0 = System.nanoTime();
    Manifest wanted = new Manifest(STAGE).inputDataset("samples", samplesDir, conf).config(s.vectorsJson());
    Manifest cached = Manifest.readIfPresent(target, conf);
    if (cached != null && cached.fingerprint().equals(wanted.fingerprint())) {
      Long rows = cached.rowCounts().get(DIR_NAME);
      return new Result(target, rows == null ? -1 : rows, true, (System.nanoTime() - t0) / 1e9);
    }
    Dataset<Row> samples = spark.read().parquet(samplesDir.toString());
    Schemas.require(samples.schema(), Schemas.SAMPLES, "samples at " + samplesDir);
    try (StagedCommit commit = StagedCommit.begin(conf, target.getParent(), STAGE)) {
      Path staged = commit.staging(target.getName());
      spark.sparkContext().setJobDescription(STAGE + ": " + MiniLm.NAME);
      compute(itemTexts(ItemTexts.attach(samples, samplesDir.toString())), s).write().mode(SaveMode.ErrorIfExists)
          .parquet(staged.toString());
      long rows = spark.read().parquet(staged.toString()).count();
      commit.commit(wanted.rows(DIR_NAME, rows)
          .property("model", MiniLm.NAME)
          .property("batch-size", Integer.toString(s.batchSize())));
      return new Result(target, rows, false, (System.nanoTime() - t0) / 1e9);
    }
  }

  /** The cached vectors at {@code path} as item id -> 384 floats, on the driver. */
  public static Map<String, float[]> load(SparkSession spark, Path path) {
    Dataset<Row> df = spark.read().parquet(path.toString());
    Schemas.require(df.schema(), SCHEMA, "item embeddings at " + path);
    Map<String, float[]> out = new HashMap<>();
    for (Row r : df.select("item_id", "embedding").collectAsList()) {
      List<Float> v = r.getList(1);
      if (v.size() != MiniLm.DIM) {
        throw new IllegalStateException("item " + r.getString(0) + " at " + path + ": embedding of " + v.size()
            + " floats, expected " + MiniLm.DIM);
      }
      float[] a = new float[v.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = v.get(i);
      }
      out.put(r.getString(0), a);
    }
    return out;
  }

  /** An array<float> value as the Row encoder wants it (a Scala Seq). */
  private static Seq<Float> boxed(float[] v) {
    List<Float> l = new ArrayList<>(v.length);
    for (float f : v) {
      l.add(f);
    }
    return CollectionConverters.asScala(l).toList();
  }
}
