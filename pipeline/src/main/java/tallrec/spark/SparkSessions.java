package tallrec.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the job's SparkSession. Under {@code spark-submit} the master and resources come from
 * the submit command and are left alone; a plain {@code java} launch (the local launcher, tests)
 * gets {@code local[*]} with the UI off and {@link PosixLocalFileSystem} for {@code file://}.
 */
public final class SparkSessions {

  private SparkSessions() {}

  public static SparkSession getOrCreate(String appName, String defaultMaster) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!conf.contains("spark.master")) {
      builder
          .master(defaultMaster == null ? "local[*]" : defaultMaster)
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", Math.max(4, Runtime.getRuntime().availableProcessors() * 2))
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1")
          // Local files get their permissions set without forking chmod (PosixLocalFileSystem).
          .config("spark.hadoop.fs.file.impl", PosixLocalFileSystem.class.getName());
    }
    // Parquet written by this project is read back by Spark, pandas and the reference tooling.
    builder.config("spark.sql.parquet.compression.codec", "zstd");
    builder.config("spark.sql.session.timeZone", "UTC");
    return builder.getOrCreate();
  }
}
