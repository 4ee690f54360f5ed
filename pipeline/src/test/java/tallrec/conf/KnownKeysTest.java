package tallrec.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A setting the library does not know fails with its key, where it was set, and the closest known one. */
class KnownKeysTest {

  @TempDir Path tmp;

  private static IllegalArgumentException set(String... sets) {
    return assertThrows(IllegalArgumentException.class, () -> TallRecConf.load(null, List.of(sets), Map.of()));
  }

  @Test
  void aTypoInSetIsNamedWithTheClosestKey() {
    assertEquals("unknown setting 'tallrec.ingest.max-malformd-fraction' (--set ingest.max-malformd-fraction=0.2);"
        + " closest known: 'tallrec.ingest.max-malformed-fraction'; see pipeline/src/main/resources/reference.conf",
        set("ingest.max-malformd-fraction=0.2").getMessage());
    // Sections that take another's settings are checked against it, and suggest in the user's terms.
    assertEquals("unknown setting 'tallrec.demo.experiment.rec-tuning.tune.max-step' (--set"
        + " demo.experiment.rec-tuning.tune.max-step=2); closest known:"
        + " 'tallrec.demo.experiment.rec-tuning.tune.max-steps'; see pipeline/src/main/resources/reference.conf",
        set("demo.experiment.rec-tuning.tune.max-step=2").getMessage());
    assertEquals("unknown setting 'tallrec.scor' (--set scor.batch-size=8); closest known:"
        + " 'tallrec.score'; see pipeline/src/main/resources/reference.conf", set("scor.batch-size=8").getMessage());
    assertEquals("unknown setting 'tallrec.spark.master.x' (--set spark.master.x=1); closest known: 'tallrec.spark.master';"
        + " see pipeline/src/main/resources/reference.conf", set("spark.master.x=1").getMessage());
  }

  @Test
  void knownSettingsAndOpenSectionsPass() {
    TallRecConf.load(null, List.of("ingest.max-malformed-fraction=0.2", "demo.experiment.rec-tuning.tune.max-steps=2",
        "grid.a.rec-tuning.k=[16]", "grid.a.score.batch-size=8", "experiment.baselines.enabled=false",
        "experiment.baselines.only=[like-ratio]", "experiment.datasets.mine.source=csv",
        "experiment.datasets.mine.synth.ratings=100", "domains.music.noun=song", "score.limit=40",
        "experiment.alpaca.tune.lr=1e-4", "tallrec.tune.lr=1e-3"), Map.of());
  }

  @Test
  void aTypoInAFileNamesFileAndLine() throws Exception {
    Path f = tmp.resolve("x.conf");
    Files.writeString(f, "tallrec {\n  tune {\n    lr = 1e-4\n    warmup-step = 5\n  }\n}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TallRecConf.load(f.toFile(), List.of(), Map.of()));
    assertEquals("unknown setting 'tallrec.tune.warmup-step' (" + f + ":4); closest known: 'tallrec.tune.warmup-steps';"
        + " see pipeline/src/main/resources/reference.conf", e.getMessage());
  }

  /** Every committed config resolves. */
  @Test
  void theCommittedConfigsAreAllKnown() throws Exception {
    Path conf = Path.of(System.getProperty("user.dir")).getParent().resolve("conf");
    try (Stream<Path> files = Files.walk(conf)) {
      List<Path> all = files.filter(p -> p.toString().endsWith(".conf")).toList();
      assertEquals(true, all.size() >= 5, all.toString());
      for (Path p : all) {
        File file = p.toFile();
        TallRecConf.load(file, List.of(), Map.of());
      }
    }
  }
}
