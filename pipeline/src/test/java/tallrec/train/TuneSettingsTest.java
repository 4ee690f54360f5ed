package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.prompt.AlpacaTemplate;

/** The fidelity settings: defaults, the one prompt.template key that tune and score follow, and bad values. */
class TuneSettingsTest {

  @Test
  void defaultsAreOursAndTheReferencesIsOneSettingAway() {
    TuneSettings d = TuneSettings.from(TallRecConf.defaults());
    assertEquals(AlpacaTemplate.ALPACA, d.promptTemplate());
    assertEquals(Truncation.DROP_HISTORY, d.truncation());
    assertEquals(LossDivisor.TAKEN_MICRO_BATCHES, d.lossDivisor());
    assertFalse(d.validReferenceFp16());

    TallRecConf ref = TallRecConf.load(null, List.of("prompt.template=alpaca-with-noqa-comment",
        "tune.truncation=cut-tail", "tune.loss-divisor=accumulation-steps", "tune.valid-reference-fp16=true"), Map.of());
    TuneSettings r = TuneSettings.from(ref);
    assertEquals(AlpacaTemplate.ALPACA_WITH_NOQA_COMMENT, r.promptTemplate());
    assertEquals(Truncation.CUT_TAIL, r.truncation());
    assertEquals(LossDivisor.ACCUMULATION_STEPS, r.lossDivisor());
    assertTrue(r.validReferenceFp16());
    // One key sets the text for every stage that renders prompts.
    assertEquals("alpaca-with-noqa-comment", ref.section("score").getString("prompt-template"));
    assertEquals("alpaca-with-noqa-comment", ref.section("baselines").getString("icl.prompt-template"));
  }

  @Test
  void theTemplatesDifferByTheReferencesLintComment() {
    String ours = AlpacaTemplate.ALPACA.render("Do it.", "x");
    String theirs = AlpacaTemplate.ALPACA_WITH_NOQA_COMMENT.render("Do it.", "x");
    assertEquals(ours.replace("completes the request.\n\n", "completes the request.  # noqa: E501\n\n"), theirs);
    assertTrue(AlpacaTemplate.ALPACA_WITH_NOQA_COMMENT.render("Do it.", "").contains("request.  # noqa: E501\n\n"));
  }

  @Test
  void unknownValuesNameTheAcceptedOnes() {
    TallRecConf bad = TallRecConf.load(null, List.of("tune.truncation=cut"), Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TuneSettings.from(bad));
    assertEquals("tallrec.tune.truncation = \"cut\": unknown truncation 'cut' (expected one of drop-history, cut-tail)", e.getMessage());
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> AlpacaTemplate.named("noqa"));
    assertTrue(t.getMessage().contains("alpaca, alpaca-with-noqa-comment"), t.getMessage());
    assertEquals(4, LossDivisor.ACCUMULATION_STEPS.divisor(1, 128, 32));
    assertEquals(1, LossDivisor.TAKEN_MICRO_BATCHES.divisor(1, 128, 32));
  }

  @Test
  void keysThatBreakARuleTogetherAreNamedWithTheFileAndLineThatSetThem(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("nightly.conf");
    Files.writeString(file, "tallrec.tune {\n  batch = 16\n  micro-batch = 32\n}\n");
    TallRecConf conf = TallRecConf.load(file.toFile(), List.of(), Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TuneSettings.from(conf));
    assertEquals("tallrec.tune.micro-batch = 32 (" + file + ": 3): more than tallrec.tune.batch (16);"
        + " micro-batches split a batch", e.getMessage());
  }

  @Test
  void anOverlayIsReadAsTheSectionItOverridesAndTheBuilderStartsFromTheDefaults() {
    TallRecConf conf = TallRecConf.defaults();
    TuneSettings defaults = TuneSettings.from(conf);
    assertEquals(defaults, TuneSettings.builder().build());
    // An experiment's rec-tuning.tune: its keys win, the rest are tallrec.tune's.
    TuneSettings over = TuneSettings.from(conf.overlay(TuneSettings.SECTION,
        ConfigFactory.parseMap(Map.of("epochs", 3, "lr", 3e-4))));
    assertEquals(defaults.toBuilder().epochs(3).lr(3e-4).build(), over);
    assertEquals(defaults, TuneSettings.from(conf), "the overlay is a copy");
    assertEquals("auto", over.device());
  }
}
