package tallrec.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;

/**
 * A Spark-written table read back on the driver without Spark (a bare Hadoop configuration, no
 * session: no job can run), and the layouts it leaves to Spark.
 */
class DriverParquetTest {

  @TempDir Path tmp;

  static final StructType PAIRS = new StructType()
      .add("item_id", DataTypes.StringType, false).add("text", DataTypes.StringType, false)
      .add("year", DataTypes.IntegerType, true);

  private static Map<String, String> write(SparkSession spark, String dir, int files, StructType schema) {
    List<Row> rows = new ArrayList<>();
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      String text = "\"Film " + i + "\" (" + (1950 + i % 50) + ") – ünïcode";
      rows.add(RowFactory.create("i" + i, text, i % 7 == 0 ? null : 1950 + i));
      expected.put("i" + i, text);
    }
    spark.createDataFrame(rows, schema).repartition(files).write().parquet(dir);
    return expected;
  }

  @Test
  void aSparkWrittenTableReadsBackWithoutSparkAcrossItsFiles() throws Exception {
    String dir = tmp.resolve("texts").toUri().toString();
    Map<String, String> expected = write(LocalSpark.get(), dir, 3, PAIRS);
    long dataFiles;
    try (var s = Files.list(tmp.resolve("texts"))) {
      dataFiles = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
    assertEquals(3, dataFiles);
    Optional<Map<String, String>> read = DriverParquet.stringMap(new org.apache.hadoop.fs.Path(dir),
        new Configuration(), "item_id", "text");
    assertEquals(Optional.of(expected), read);
  }

  @Test
  void layoutsItDoesNotReadAreLeftToSpark() {
    SparkSession spark = LocalSpark.get();
    Configuration conf = new Configuration();
    // A nullable value column: Spark's rows would carry nulls that a map of strings cannot.
    StructType nullable = new StructType()
        .add("item_id", DataTypes.StringType, false).add("text", DataTypes.StringType, true);
    String loose = tmp.resolve("nullable").toUri().toString();
    spark.createDataFrame(List.of(RowFactory.create("a", "A")), nullable).write().parquet(loose);
    assertTrue(DriverParquet.stringMap(new org.apache.hadoop.fs.Path(loose), conf, "item_id", "text").isEmpty());
    // Partition directories: Spark discovers their columns.
    String parted = tmp.resolve("parted").toUri().toString();
    spark.createDataFrame(List.of(RowFactory.create("a", "A", 1)), PAIRS).write().partitionBy("year").parquet(parted);
    assertTrue(DriverParquet.stringMap(new org.apache.hadoop.fs.Path(parted), conf, "item_id", "text").isEmpty());
    // A column that is not there, or not a string.
    String dir = tmp.resolve("texts").toUri().toString();
    write(spark, dir, 1, PAIRS);
    assertTrue(DriverParquet.stringMap(new org.apache.hadoop.fs.Path(dir), conf, "item_id", "title").isEmpty());
    assertTrue(DriverParquet.stringMap(new org.apache.hadoop.fs.Path(dir), conf, "item_id", "year").isEmpty());
  }

  @Test
  void anUnreadableFileIsAnErrorNamingIt() throws Exception {
    String dir = tmp.resolve("texts").toUri().toString();
    write(LocalSpark.get(), dir, 2, PAIRS);
    Path second;
    try (var s = Files.list(tmp.resolve("texts"))) {
      second = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().skip(1).findFirst()
          .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(second);
    // Keep the footer (so the schema check passes) and break the data pages before it.
    for (int i = 4; i < bytes.length / 2; i++) {
      bytes[i] = (byte) 0x5a;
    }
    Files.write(second, bytes);
    Files.deleteIfExists(second.resolveSibling("." + second.getFileName() + ".crc"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DriverParquet.stringMap(new org.apache.hadoop.fs.Path(dir), new Configuration(), "item_id", "text"));
    assertTrue(e.getMessage().startsWith("Cannot read the Parquet file ")
        && e.getMessage().contains(second.getFileName() + ": "), e.getMessage());
  }
}
