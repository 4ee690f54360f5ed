package tallrec.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Numeric settings out of range fail when the config is resolved, naming key, value, range and place. */
class SettingBoundsTest {

  @TempDir Path tmp;

  private static String refused(String... sets) {
    return assertThrows(IllegalArgumentException.class, () -> TallRecConf.load(null, List.of(sets), Map.of()))
        .getMessage();
  }

  @Test
  void outOfRangeValuesFailInOneLine() throws Exception {
    assertEquals("tallrec.tune.batch = 0 is not allowed: it must be at least 1", refused("tune.batch=0"));
    assertEquals("tallrec.demo.experiment.rec-tuning.tune.lr = 0 is not allowed: it must be above 0",
        refused("demo.experiment.rec-tuning.tune.lr=0"));
    assertEquals("tallrec.score.limit = -1 is not allowed: it must be at least 0", refused("score.limit=-1"));
    assertEquals("tallrec.instructions.temporal.quantiles = 1.5 is not allowed: it must be at least 0 and at most 1",
        refused("instructions.temporal.quantiles=[0.5, 1.5]"));
    assertEquals("tallrec.tune.lora-dropout = 1 is not allowed: it must be at least 0 and below 1",
        refused("tune.lora-dropout=1"));
    Path f = tmp.resolve("x.conf");
    Files.writeString(f, "tallrec {\n  ingest {\n    max-malformed-fraction = 2\n  }\n}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TallRecConf.load(f.toFile(), List.of(), Map.of()));
    assertEquals("tallrec.ingest.max-malformed-fraction = 2 is not allowed: it must be at least 0 and at most 1 ("
        + f + ":3)", e.getMessage());
  }

  @Test
  void signedSettingsAndDefaultsPass() {
    TallRecConf.defaults();
    TallRecConf.load(null, List.of("tune.seed=-3", "sources.csv.timestamp-min=-86400", "sources.csv.rating-min=-10",
        "tune.max-steps=0", "score.partitions=0", "ingest.max-malformed-fraction=1"), Map.of());
  }
}
