package tallrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeedSummaryTest {

  private static Metric m(String model, int k, int seed, double auc) {
    return new Metric(model, "", "movie", "movie", k, seed, auc, 100, 40);
  }

  @Test
  void meanAndSampleStdOverSeedsPerModelAndK() {
    List<SeedSummary> s = SeedSummary.of(List.of(
        m("lr", 16, 2, 0.8), m("lr", 16, 0, 0.6), m("lr", 16, 1, 0.7),
        m("lr", 64, 0, 0.75), m("lr", 64, 1, 0.65),
        m("like-ratio", 0, 0, 0.72)));
    assertEquals(3, s.size());
    assertEquals("like-ratio", s.get(0).model());
    assertTrue(Double.isNaN(s.get(0).std()), "one seed: std undefined, as pandas");
    SeedSummary k16 = s.get(1);
    assertEquals(16, k16.k());
    assertEquals(List.of(0, 1, 2), k16.seeds());
    assertEquals(0.7, k16.mean(), 1e-12);
    assertEquals(0.1, k16.std(), 1e-12); // numpy.std([.6, .7, .8], ddof=1)
    assertEquals(0.7, s.get(2).mean(), 1e-12);
    assertEquals(Math.sqrt(0.005), s.get(2).std(), 1e-12); // ddof=1: 0.0707..., not ddof=0's 0.05
  }
}
