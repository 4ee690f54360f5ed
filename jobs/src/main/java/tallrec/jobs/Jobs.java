package tallrec.jobs;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import tallrec.conf.TallRecConf;
import tallrec.spark.SparkSessions;

/** Plumbing shared by the commands: the SparkSession and console formatting. */
final class Jobs {

  private Jobs() {}

  static SparkSession spark(TallRecConf conf, String command) {
    SparkSession spark = SparkSessions.getOrCreate("tallrec " + command, conf.root().getString("spark.master"));
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  static String counts(Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    counts.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(String.format("%,d", v)));
    return sb.toString();
  }
}
