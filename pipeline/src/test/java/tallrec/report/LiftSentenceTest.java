package tallrec.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.eval.SeedSummary;

/** The report's one sentence on what a demo-like run shows is read off its own table. */
class LiftSentenceTest {

  private static SeedSummary row(String model, String variant, int k, double mean) {
    return new SeedSummary(model, variant, "movie", "movie", k, k == 0 ? List.of(0) : List.of(0, 1, 2), mean, 0.01);
  }

  @Test
  void theLargestKsTunedVariantsAgainstICLAndTheBaselinesOfThatK() {
    List<SeedSummary> summary = List.of(
        row("gru4rec", "", 16, 0.70), row("gru4rec", "", 64, 0.53),
        row("like-ratio", "", 0, 0.63),
        row("mllib-lr", "", 64, 0.654),
        row("tiny", "icl", 0, 0.458),
        row("tiny", "rt", 16, 0.49), row("tiny", "rt", 64, 0.5654),
        row("tiny", "tallrec", 64, 0.5631));
    assertEquals(" **What it shows:** at K = 64, rec-tuning takes the backbone from 45.80 untuned (ICL) to 56.54 (RT)"
        + " and 56.31 (TALLRec) (mean of 3 seeds); it beats gru4rec 53.00 but not like-ratio 63.00, mllib-lr 65.40.",
        ReportRenderer.liftSentence(summary));
  }

  @Test
  void nothingWithoutAnUntunedOrATunedRow() {
    assertEquals("", ReportRenderer.liftSentence(List.of(row("tiny", "rt", 64, 0.6), row("like-ratio", "", 0, 0.63))));
    assertEquals("", ReportRenderer.liftSentence(List.of(row("tiny", "icl", 0, 0.5), row("like-ratio", "", 0, 0.63))));
  }
}
