package tallrec.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * What a Parquet dataset holds, read from its files' footers on the driver: no Spark job, no data
 * read. Spark infers a dataset's schema with a job that reads a footer, and counts rows with another
 * two; on the {@code score} stage's 1,000 prompts those jobs took about a tenth of the stage.
 */
public final class ParquetFooters {

  private ParquetFooters() {}

  /** Where Spark keeps the schema it wrote in each file's footer (key-value metadata). */
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  /**
   * {@code spark.read().parquet(dir)}, without Spark's schema-inference job when the schema can be
   * read here: a flat dataset (data files only, no partition directories to discover) whose first data
   * file carries the schema Spark wrote into it. Otherwise Spark infers it as usual. The same
   * Dataset either way: Spark's own inference reads that same footer entry first.
   */
  public static Dataset<Row> read(SparkSession spark, Path dir) {
    Optional<StructType> schema = sparkSchema(dir, spark.sparkContext().hadoopConfiguration());
    return schema.isPresent() ? spark.read().schema(schema.get()).parquet(dir.toString())
        : spark.read().parquet(dir.toString());
  }

  /**
   * The schema Spark wrote into the first data file under {@code dir} (by name), if {@code dir} is a
   * directory of data files only and that file has one; empty otherwise (a subdirectory, a file
   * another writer made, no data file). An unreadable footer is an error naming its file.
   */
  static Optional<StructType> sparkSchema(Path dir, Configuration conf) {
    return flatDataFiles(dir, conf).flatMap(files -> sparkSchema(files, conf));
  }

  /**
   * The data files directly under {@code dir}, by name (names starting with "_" or ".", such as
   * {@code _SUCCESS} and checksums, are not data, as Spark's reader skips them); empty when
   * {@code dir} is not a directory, cannot be listed, or holds a subdirectory (partition
   * directories: Spark discovers their columns).
   */
  static Optional<List<FileStatus>> flatDataFiles(Path dir, Configuration conf) {
    FileSystem fs = Fs.of(dir, conf);
    FileStatus[] listed;
    try {
      if (!fs.getFileStatus(dir).isDirectory()) {
        return Optional.empty();
      }
      listed = fs.listStatus(dir);
    } catch (IOException e) {
      return Optional.empty(); // Spark's reader gives its own error for a missing or unreadable path
    }
    List<FileStatus> files = new ArrayList<>();
    for (FileStatus f : listed) {
      String name = f.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      if (!f.isFile()) {
        return Optional.empty();
      }
      files.add(f);
    }
    files.sort(Comparator.comparing(f -> f.getPath().getName()));
    return Optional.of(files);
  }

  /** The schema Spark wrote into the first of {@code dataFiles}, if there is one and it has one. */
  static Optional<StructType> sparkSchema(List<FileStatus> dataFiles, Configuration conf) {
    if (dataFiles.isEmpty()) {
      return Optional.empty();
    }
    FileStatus first = dataFiles.get(0);
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(first, conf))) {
      String json = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
      return json == null ? Optional.empty() : Optional.of((StructType) DataType.fromJson(json));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("Cannot read the Parquet footer of " + first.getPath() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The rows in the data files directly under {@code dir}, as Spark writes a dataset (names starting
   * with "_" or ".", such as {@code _SUCCESS} and checksums, are not data, as Spark's reader skips
   * them). An unreadable footer is an error naming its file.
   */
  public static long rows(Path dir, Configuration conf) {
    FileSystem fs = Fs.of(dir, conf);
    long rows = 0;
    FileStatus[] files;
    try {
      files = fs.listStatus(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
    for (FileStatus f : files) {
      String name = f.getPath().getName();
      if (!f.isFile() || name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
        rows += reader.getRecordCount();
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("Cannot read the Parquet footer of " + f.getPath() + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }
}
