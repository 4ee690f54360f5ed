package tallrec.baselines.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.dataset.SampleRenderer;
import tallrec.io.Manifest;
import tallrec.testing.LocalSpark;

/** all-MiniLM-L6-v2 item vectors: what they mean, that Spark computes them as the direct call does, and the cache. */
class ItemTextEmbeddingsTest {

  static final ItemTextEmbeddings.Settings S = new ItemTextEmbeddings.Settings(4, MiniLm.DEFAULT_MAX_TOKENS, 1, 3);

  static final String[][] MOVIES = {
    {"1", "\"Toy Story (1995)\""},
    {"2", "\"Toy Story 2 (1999)\""},
    {"3", "\"Schindler's List (1993)\""},
    {"4", "\"Star Wars (1977)\""},
    {"5", "\"Return of the Jedi (1983)\""},
    {"6", "\"Fargo (1996)\""},
    {"7", "\"Pulp Fiction (1994)\""},
    {"8", "\"Three Colors: Red (1994)\""},
    {"9", "\"Heavenly Creatures (1994)\""},
    {"10", "\"Wallace & Gromit: The Best of Aardman Animation (1996)\""},
  };

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void aSequelIsCloserThanAnUnrelatedFilm() {
    float[] toyStory = ItemTextEmbeddings.embed("Toy Story (1995)", S);
    float[] sequel = ItemTextEmbeddings.embed("Toy Story 2 (1999)", S);
    float[] schindler = ItemTextEmbeddings.embed("Schindler's List (1993)", S);
    assertEquals(MiniLm.DIM, toyStory.length);
    double n = 0;
    for (float v : toyStory) {
      n += v * v;
    }
    assertEquals(1.0, n, 1e-5, "L2-normalised");
    double similar = cosine(toyStory, sequel);
    double unrelated = cosine(toyStory, schindler);
    System.out.printf("cos(Toy Story, Toy Story 2) = %.4f; cos(Toy Story, Schindler's List) = %.4f%n", similar, unrelated);
    assertTrue(similar > unrelated + 0.2, similar + " vs " + unrelated);
  }

  @Test
  void batchedVectorsEqualLangchain4jsOwnEncoder() {
    // langchain4j's AllMiniLmL6V2EmbeddingModel runs the same ONNX file one text at a time; our
    // padded, length-sorted batches (mean over real tokens only) must give the same vectors.
    List<String> texts = Arrays.stream(MOVIES).map(m -> m[1]).toList();
    float[][] ours = MiniLm.get(1).embed(texts, 4, MiniLm.DEFAULT_MAX_TOKENS);
    AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
    for (int i = 0; i < texts.size(); i++) {
      float[] theirs = reference.embed(texts.get(i)).content().vector();
      assertArrayEquals(theirs, ours[i], 2e-5f, texts.get(i));
    }
  }

  @Test
  void longTextsKeepTheirFirstTokens() {
    String longText = "Toy Story (1995) " + "and more words ".repeat(200);
    assertTrue(MiniLm.get(1).tokenCount(longText) > 512);
    float[] cut = ItemTextEmbeddings.embed(longText, S);
    float[] cut16 = ItemTextEmbeddings.embed(longText, new ItemTextEmbeddings.Settings(1, 16, 1, 0));
    assertEquals(MiniLm.DIM, cut.length);
    assertNotEquals(cosine(cut, cut16), 1.0, 1e-6);
  }

  @Test
  void sparkComputesOneVectorPerItemEqualToTheDirectCall(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.get();
    Dataset<Row> samples = samples(spark, 10);
    List<Row> items = ItemTextEmbeddings.itemTexts(samples).collectAsList();
    assertEquals(10, items.size(), "targets and history items, each once");
    Map<String, float[]> fromSpark = vectors(ItemTextEmbeddings.compute(ItemTextEmbeddings.itemTexts(samples), S));
    assertEquals(10, fromSpark.size());
    for (String[] m : MOVIES) {
      assertArrayEquals(ItemTextEmbeddings.embed(m[1], S), fromSpark.get(m[0]), 1e-5f, m[1]);
    }
  }

  @Test
  void theCacheIsReusedWhileTheSamplesAreUnchangedAndRecomputedWhenTheyChange(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.get();
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path samplesPath = new org.apache.hadoop.fs.Path(tmp.resolve("ds/samples").toUri());
    writeDataset(spark, samplesPath, 8);
    org.apache.hadoop.fs.Path out = ItemTextEmbeddings.besideSamples(samplesPath);

    ItemTextEmbeddings.Result first = ItemTextEmbeddings.ensure(spark, samplesPath, out, S);
    assertFalse(first.reused());
    assertEquals(8, first.items());
    Manifest m1 = Manifest.readIfPresent(out, conf);
    assertEquals(8L, m1.rowCounts().get(ItemTextEmbeddings.DIR_NAME));
    Map<String, float[]> loaded = ItemTextEmbeddings.load(spark, out);
    assertEquals(8, loaded.size());
    assertArrayEquals(ItemTextEmbeddings.embed("\"Toy Story (1995)\"", S), loaded.get("1"), 1e-5f);

    ItemTextEmbeddings.Result second = ItemTextEmbeddings.ensure(spark, samplesPath, out, S);
    assertTrue(second.reused());
    assertEquals(8, second.items());
    assertEquals(m1.createdAt(), Manifest.readIfPresent(out, conf).createdAt(), "not recomputed");

    // Other settings that change vectors: recomputed.
    ItemTextEmbeddings.Settings shorter = new ItemTextEmbeddings.Settings(4, 8, 1, 3);
    assertFalse(ItemTextEmbeddings.ensure(spark, samplesPath, out, shorter).reused());
    assertFalse(ItemTextEmbeddings.ensure(spark, samplesPath, out, S).reused());

    // New samples (two more items): recomputed, with the new items.
    String before = Manifest.readIfPresent(out, conf).createdAt();
    writeDataset(spark, samplesPath, 10);
    ItemTextEmbeddings.Result third = ItemTextEmbeddings.ensure(spark, samplesPath, out, S);
    assertFalse(third.reused());
    assertEquals(10, third.items());
    assertNotEquals(before, Manifest.readIfPresent(out, conf).createdAt());
    assertEquals(10, ItemTextEmbeddings.load(spark, out).size());
  }

  /** Samples over the first {@code n} movies: each sample's history is the movies before its target. */
  static Dataset<Row> samples(SparkSession spark, int n) {
    List<Row> rows = new ArrayList<>();
    for (int t = 2; t < n; t++) {
      List<String> ids = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      for (int h = Math.max(0, t - 3); h < t; h++) {
        ids.add(MOVIES[h][0]);
        texts.add(MOVIES[h][1]);
        labels.add(h % 2);
      }
      rows.add(RowFactory.create("s" + t, "movie", "u1", MOVIES[t][0], seq(ids), seq(labels), null, 1, "train",
          (long) t));
    }
    return ItemTexts.attach(spark.createDataFrame(rows, SampleRenderer.SCHEMA), texts(n), "MOVIES");
  }

  /** The first {@code n} movies' texts, as `instructions` writes them beside the samples. */
  static Map<String, String> texts(int n) {
    Map<String, String> out = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      out.put(MOVIES[i][0], MOVIES[i][1]);
    }
    return out;
  }

  /** Compact samples over the first {@code n} movies written to {@code samplesPath}, their texts beside them. */
  static void writeDataset(SparkSession spark, org.apache.hadoop.fs.Path samplesPath, int n) {
    samples(spark, n).drop(Columns.HISTORY_TEXTS, Columns.TARGET_TEXT).write().mode(SaveMode.Overwrite)
        .parquet(samplesPath.toString());
    ItemTexts.toDataset(spark, texts(n)).write().mode(SaveMode.Overwrite)
        .parquet(new org.apache.hadoop.fs.Path(samplesPath.getParent(), ItemTexts.DIR).toString());
  }

  private static <T> scala.collection.immutable.Seq<T> seq(List<T> l) {
    return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
  }

  private static Map<String, float[]> vectors(Dataset<Row> df) {
    Map<String, float[]> out = new java.util.HashMap<>();
    for (Row r : df.collectAsList()) {
      List<Float> v = r.getList(2);
      float[] a = new float[v.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = v.get(i);
      }
      out.put(r.getString(0), a);
    }
    return out;
  }
}
