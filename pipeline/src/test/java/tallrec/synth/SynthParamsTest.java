package tallrec.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tallrec.conf.TallRecConf;

class SynthParamsTest {

  @Test
  void referenceConfDefaults() {
    SynthParams p = SynthParams.fromConfig(TallRecConf.defaults().section("synth"));
    assertEquals(SynthParams.of(20_000, 42), p);
    assertEquals(0, p.users());
    assertEquals(0, p.items());
    assertEquals(Math.round(20_000 / 105.0), p.resolvedUsers());
  }

  @Test
  void overridesAndAuto() {
    SynthParams p = SynthParams.fromConfig(TallRecConf.load(null,
        List.of("synth.users=300", "synth.seed=7"),
        Map.of("synth.ratings", 50_000L, "synth.items", "auto")).section("synth"));
    assertEquals(50_000, p.ratings());
    assertEquals(300, p.users());
    assertEquals(0, p.items());
    assertEquals(7, p.seed());
    assertThrows(IllegalArgumentException.class, () -> SynthParams.fromConfig(
        TallRecConf.load(null, List.of("synth.users=lots"), Map.of()).section("synth")));
  }

  @Test
  void ratingsPerUserSetsTheAutoUserCountAndStoriesAreCountedNotNegative() {
    SynthParams p = SynthParams.fromConfig(TallRecConf.load(null,
        List.of("synth.ratings=12000", "synth.ratings-per-user=30", "synth.viewer-stories=4000"), Map.of()).section("synth"));
    assertEquals(400, p.resolvedUsers());
    assertEquals(4000, p.viewerStories());
    IllegalArgumentException below = assertThrows(IllegalArgumentException.class, () -> SynthParams.fromConfig(
        TallRecConf.load(null, List.of("synth.ratings-per-user=10"), Map.of()).section("synth")));
    assertEquals("synth.ratings-per-user must be >= synth.min-ratings-per-user (20), got 10.0", below.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> SynthParams.of(1000, 1).withViewerStories(-1));
    assertEquals("synth.viewer-stories must be >= 0, got -1", negative.getMessage());
  }
}
