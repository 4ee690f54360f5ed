package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/**
 * Ratings the parser accepts whole skip the second pass that names rejects, but only when every one
 * became an interaction: an unknown item or a repeated pair among well-formed lines is still found.
 */
class IngestCleanRatingsTest {

  static final String FLAGS = "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
  static final TallRecConf CONF = TallRecConf.load(null, List.of("ingest.max-malformed-fraction=0.5"), Map.of());

  @TempDir Path tmp;

  private Ingest.Result ingest(String name, String ratings) throws Exception {
    Path raw = Files.createDirectories(tmp.resolve(name));
    Files.writeString(raw.resolve("u.data"), ratings, StandardCharsets.UTF_8);
    Files.writeString(raw.resolve("u.item"), "1|Toy Story (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "2|GoldenEye (1995)|01-Jan-1995||u" + FLAGS + "\n", StandardCharsets.ISO_8859_1);
    return Stages.ingest(LocalSpark.get(), CONF, "movielens100k", raw.toString(), null, null, tmp.resolve(name + "-ds"));
  }

  private long rejectsWritten(String name) {
    SparkSession spark = LocalSpark.get();
    return spark.read().parquet(tmp.resolve(name + "-ds/rejects").toString()).count();
  }

  @Test
  void cleanRatingsHaveNoRejects() throws Exception {
    Ingest.Result r = ingest("clean", "1\t1\t5\t100\n1\t2\t3\t200\n2\t1\t4\t300\n");
    assertEquals(3, r.interactions());
    assertEquals(0, r.rejects());
    assertEquals(0, rejectsWritten("clean"));
  }

  @Test
  void aRepeatedPairAmongWellFormedLinesIsStillRejected() throws Exception {
    Ingest.Result r = ingest("repeat", "1\t1\t5\t100\n1\t2\t3\t200\n1\t1\t2\t50\n");
    assertEquals(2, r.interactions());
    assertEquals(Map.of(RejectReason.DUPLICATE_PAIR.code(), 1L), r.ratingsRejects());
    assertEquals(1, rejectsWritten("repeat"));
  }

  @Test
  void anUnknownItemAmongWellFormedLinesIsStillRejected() throws Exception {
    Ingest.Result r = ingest("unknown", "1\t1\t5\t100\n1\t7\t3\t200\n");
    assertEquals(1, r.interactions());
    assertEquals(Map.of(RejectReason.UNKNOWN_ITEM.code(), 1L), r.ratingsRejects());
    assertEquals(1, rejectsWritten("unknown"));
  }
}
