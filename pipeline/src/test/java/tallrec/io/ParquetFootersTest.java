package tallrec.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;

/**
 * Row counts and schemas from footers against what Spark reads back, the fallback to Spark's
 * inference where the footer cannot say, and a broken file named in the error.
 */
class ParquetFootersTest {

  @TempDir
  Path dir;

  @Test
  void countsTheRowsSparkWrote() throws Exception {
    SparkSession spark = LocalSpark.get();
    Dataset<Row> rows = spark.range(0, 1234).toDF("id").repartition(3);
    String out = dir.resolve("data").toString();
    rows.write().parquet(out);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(out);
    assertTrue(Files.exists(dir.resolve("data/_SUCCESS")), "Spark wrote its marker (skipped as not data)");
    assertEquals(1234, ParquetFooters.rows(path, conf));
    assertEquals(spark.read().parquet(out).count(), ParquetFooters.rows(path, conf));

    // An empty dataset: Spark writes one file with no rows.
    String empty = dir.resolve("empty").toString();
    rows.limit(0).write().parquet(empty);
    assertEquals(0, ParquetFooters.rows(new org.apache.hadoop.fs.Path(empty), conf));

    // A data file that is not Parquet: an error naming it.
    Files.writeString(dir.resolve("data/part-99999-broken.parquet"), "not parquet");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ParquetFooters.rows(path, conf));
    assertTrue(e.getMessage().contains("part-99999-broken.parquet"), e.getMessage());
  }

  @Test
  void readsWithTheSchemaSparkWroteOrLetsSparkInferIt() {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> rows = spark.range(0, 50).selectExpr("id", "cast(id % 3 as int) as part",
        "array(cast(id as string), 'x') as texts", "named_struct('a', id * 0.5) as s");
    String flat = dir.resolve("flat").toString();
    rows.write().parquet(flat);
    org.apache.hadoop.fs.Path flatPath = new org.apache.hadoop.fs.Path(flat);
    assertTrue(ParquetFooters.sparkSchema(flatPath, conf).isPresent(), "Spark wrote its schema into the footer");
    Dataset<Row> read = ParquetFooters.read(spark, flatPath);
    Dataset<Row> inferred = spark.read().parquet(flat);
    assertEquals(inferred.schema(), read.schema());
    assertEquals(inferred.orderBy("id").collectAsList(), read.orderBy("id").collectAsList());

    // Partition directories: Spark discovers the partition column, so the footer is not enough.
    String parted = dir.resolve("parted").toString();
    rows.write().partitionBy("part").parquet(parted);
    org.apache.hadoop.fs.Path partedPath = new org.apache.hadoop.fs.Path(parted);
    assertTrue(ParquetFooters.sparkSchema(partedPath, conf).isEmpty());
    Dataset<Row> partedRead = ParquetFooters.read(spark, partedPath);
    assertEquals(spark.read().parquet(parted).schema(), partedRead.schema());
    assertTrue(java.util.Arrays.asList(partedRead.columns()).contains("part"));
    assertEquals(50, partedRead.count());
  }
}
