package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;

/** Compact samples get their items' texts back: where the table is found, order, and the errors. */
class ItemTextsTest {

  @TempDir Path tmp;

  static Dataset<Row> compact(SparkSession spark, String target, String... history) {
    Row r = RowFactory.create("movie-u1-3", "movie", "u1", target, seq(List.of(history)),
        seq(java.util.Collections.nCopies(history.length, 1)), 30L, 1, "test");
    return spark.createDataFrame(List.of(r), Schemas.SAMPLES);
  }

  private static <T> scala.collection.immutable.Seq<T> seq(List<T> l) {
    return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
  }

  @Test
  void theTableIsFoundBesideSamplesValidationSubsetsAndKShotSets() throws Exception {
    Configuration conf = LocalSpark.get().sparkContext().hadoopConfiguration();
    Path d = tmp.resolve("ds");
    Files.createDirectories(d.resolve("item_texts"));
    Files.createDirectories(d.resolve("kshot/k=16/seed=0"));
    String table = d.resolve("item_texts").toUri().getPath().replaceAll("/$", "");
    for (String p : List.of("samples", "samples/", "valid-64", "kshot", "kshot/k=16/seed=0")) {
      assertEquals(table, ItemTexts.locate(d.toUri() + p, conf).toUri().getPath(), p);
    }
    assertNull(ItemTexts.locate(tmp.resolve("elsewhere/samples").toUri().toString(), conf));
  }

  @Test
  void textsAreAttachedInHistoryOrderAndAttachedRowsPassThrough() {
    SparkSession spark = LocalSpark.get();
    Map<String, String> texts = Map.of("i1", "\"One\"", "i2", "\"Two\"", "i3", "\"Three\"");
    Dataset<Row> attached = ItemTexts.attach(compact(spark, "i1", "i3", "i2"), texts, "test texts");
    Row r = attached.first();
    assertEquals(List.of("\"Three\"", "\"Two\""), r.getList(r.fieldIndex(Columns.HISTORY_TEXTS)));
    assertEquals("\"One\"", r.getAs(Columns.TARGET_TEXT));
    assertEquals(List.of("i3", "i2"), r.getList(r.fieldIndex(Columns.HISTORY_ITEM_IDS)));
    assertSame(attached, ItemTexts.attach(attached, Map.of(), "nothing"));
  }

  @Test
  void aMissingTableOrItemIsAnErrorNamingIt() throws Exception {
    SparkSession spark = LocalSpark.get();
    Exception e = assertThrows(Exception.class,
        () -> ItemTexts.attach(compact(spark, "i1", "i9"), Map.of("i1", "\"One\""), "ds/item_texts").collect());
    String message = rootMessage(e);
    assertTrue(message.contains("sample movie-u1-3: item 'i9' has no text in ds/item_texts"), message);

    String orphan = tmp.resolve("orphan/samples").toUri().toString();
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> ItemTexts.attach(compact(spark, "i1"), orphan));
    assertTrue(none.getMessage().startsWith("samples at " + orphan + " carry item ids only, and no item_texts/"),
        none.getMessage());
  }

  @Test
  void theTableReadsBackAsWritten() {
    SparkSession spark = LocalSpark.get();
    String dir = tmp.resolve("ds/item_texts").toUri().toString();
    Map<String, String> texts = Map.of("b", "\"B\" written by Ann", "a", "\"A\"");
    ItemTexts.toDataset(spark, texts).write().parquet(dir);
    assertEquals(texts, ItemTexts.read(spark, new org.apache.hadoop.fs.Path(dir)));
    String compactPath = tmp.resolve("ds/samples").toUri().toString();
    compact(spark, "a", "b").write().parquet(compactPath);
    Row r = ItemTexts.attach(spark.read().parquet(compactPath), compactPath).first();
    assertEquals(List.of("\"B\" written by Ann"), r.getList(r.fieldIndex(Columns.HISTORY_TEXTS)));
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
