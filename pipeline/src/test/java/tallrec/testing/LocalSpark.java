package tallrec.testing;

import org.apache.spark.sql.SparkSession;
import tallrec.spark.SparkSessions;

/**
 * One real local SparkSession per test JVM: starting Spark costs seconds, so test classes share
 * it instead of mocking it. Two threads, so partitioning bugs that one thread hides still show.
 */
public final class LocalSpark {

  private static SparkSession session;

  private LocalSpark() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      System.setProperty("spark.sql.shuffle.partitions", "4");
      session = SparkSessions.getOrCreate("tallrec-tests", "local[2]");
      session.conf().set("spark.sql.shuffle.partitions", "4");
      session.sparkContext().setLogLevel("WARN");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
    }
    return session;
  }
}
