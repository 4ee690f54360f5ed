package tallrec.io;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Small tables read on the driver with Parquet's own record reader, without a Spark job: the
 * catalogue a stage collects to the driver anyway ({@code item_texts}). Through Spark the same read
 * planned a query, generated its code and ran a one-task job before the stage's own work: about
 * 0.1 s of a warm {@code score} stage's 2 s, and 0.4-1.2 s of a fresh JVM's first stage of ~8 s
 * ({@code bench score-stage}, README "Item texts on the driver").
 */
public final class DriverParquet {

  private DriverParquet() {}

  /**
   * Column {@code key} → column {@code value} of every row of the dataset in {@code dir}, when it is
   * one Spark can write and this reader can read the same way: data files only (no partition
   * directories) whose footers carry Spark's schema, with both columns non-null strings. Empty
   * otherwise, so the caller reads through Spark. A later row replaces an earlier one with the same
   * key, as a map built from Spark's rows would. An unreadable file is an error naming it.
   */
  public static Optional<Map<String, String>> stringMap(Path dir, Configuration conf, String key, String value) {
    // One listing serves the schema check and the read.
    Optional<List<FileStatus>> files = ParquetFooters.flatDataFiles(dir, conf);
    Optional<StructType> schema = files.flatMap(f -> ParquetFooters.sparkSchema(f, conf));
    if (schema.isEmpty() || !requiredString(schema.get(), key) || !requiredString(schema.get(), value)) {
      return Optional.empty();
    }
    // Only the two columns are decoded (Parquet's projection by name).
    MessageType projection = Types.buildMessage()
        .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(key)
        .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(value)
        .named("spark_schema");
    Configuration readConf = new Configuration(conf);
    readConf.set(ReadSupport.PARQUET_READ_SCHEMA, projection.toString());
    Map<String, String> out = new HashMap<>();
    for (FileStatus f : files.get()) {
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), f.getPath())
          .withConf(readConf).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          out.put(g.getString(key, 0), g.getString(value, 0));
        }
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("Cannot read the Parquet file " + f.getPath() + ": " + e.getMessage(), e);
      }
    }
    return Optional.of(out);
  }

  private static boolean requiredString(StructType schema, String column) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(column)) {
        return f.dataType().equals(DataTypes.StringType) && !f.nullable();
      }
    }
    return false;
  }
}
