package tallrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;

/**
 * The plans the committed experiment files produce: what conf/experiments/paper.conf and its CPU-sized
 * paper-cpu.conf would run for RQ1–RQ3 (planning reads no data, so this needs no ../shared).
 */
class PaperGridTest {

  @TempDir java.nio.file.Path tmp;

  /** Grid entry name → its planned steps. */
  Map<String, List<Step>> plan(String file, String... sets) {
    List<String> all = new ArrayList<>(List.of("experiment.out=\"" + tmp + "\""));
    all.addAll(List.of(sets));
    TallRecConf conf = TallRecConf.load(new File("../conf/experiments/" + file), all, Map.of());
    Map<String, List<Step>> plans = new TreeMap<>();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    for (TallRecConf entry : ExperimentGrid.entries(conf, List.of())) {
      ExperimentPlan p = ExperimentPlan.build(LocalSpark.get(), entry, quiet);
      plans.put(p.name(), p.steps());
    }
    return plans;
  }

  static List<String> labels(List<Step> steps, Stage stage, Predicate<String> keep) {
    return steps.stream().filter(s -> s.stage() == stage).map(Step::label).filter(keep).toList();
  }

  static long count(List<Step> steps, Stage stage) {
    return steps.stream().filter(s -> s.stage() == stage).count();
  }

  @Test
  void thePaperGridPlansRq1InDomainRq2AblationAndRq3CrossDomain() {
    Map<String, List<Step>> plans = plan("paper.conf");
    assertEquals(List.of("rq1", "rq2", "rq3"), List.copyOf(plans.keySet()));

    List<Step> rq1 = plans.get("rq1");
    // 2 domains x K 16/64/256 x 5 seeds, each scored on its own domain only; ICL on both.
    assertEquals(30, count(rq1, Stage.TUNE));
    assertEquals(List.of(), labels(rq1, Stage.SCORE, l -> l.contains("train=movie") && l.endsWith("on book")));
    assertEquals(32, count(rq1, Stage.SCORE));
    assertEquals(2, labels(rq1, Stage.SCORE, l -> l.startsWith("icl ")).size());
    assertEquals(2, count(rq1, Stage.BASELINES));

    List<Step> rq2 = plans.get("rq2");
    // AT scored without rec-tuning; RT and TALLRec at 9 K x 5 seeds x 2 domains.
    assertEquals(180, count(rq2, Stage.TUNE));
    assertEquals(2, labels(rq2, Stage.SCORE, l -> l.startsWith("at ")).size());
    assertEquals(1, labels(rq2, Stage.TUNE, l -> l.equals("rt train=book K=1 seed=4")).size());
    assertEquals(0, count(rq2, Stage.BASELINES));

    List<Step> rq3 = plans.get("rq3");
    assertEquals(List.of("tallrec train=movie K=64 seed=0", "tallrec train=book K=64 seed=0",
        "tallrec train=movie+book K=64 seed=0"), labels(rq3, Stage.TUNE, l -> l.endsWith("seed=0")));
    // Every tuning on both test sets (Figure 4).
    assertEquals(30, count(rq3, Stage.SCORE));
    assertEquals(1, labels(rq3, Stage.SCORE, l -> l.equals("tallrec train=movie+book K=64 seed=0 on book")).size());

    // Shared stages are the same steps (same output and settings), so a grid computes them once.
    Step rq1Tune = rq1.stream().filter(s -> s.label().equals("tallrec train=movie K=64 seed=3")).findFirst().get();
    Step rq3Tune = rq3.stream().filter(s -> s.label().equals("tallrec train=movie K=64 seed=3")).findFirst().get();
    assertEquals(rq1Tune.output(), rq3Tune.output());
    assertEquals(rq1Tune.settingsJson(), rq3Tune.settingsJson());
    // Each entry's datasets draw the grid's union of K-shot sets (RQ2's K = 1 is in RQ1's data too).
    Step rq1Instructions = rq1.stream().filter(s -> s.stage() == Stage.INSTRUCTIONS).findFirst().get();
    assertTrue(rq1Instructions.settingsJson().replace(" ", "").contains("[1,2,4,8,16,32,64,128,256]"),
        rq1Instructions.settingsJson());
  }

  @Test
  void theCpuSizedGridKeepsTheStudyWithOneTuningSeedAndRq2OnMovie() {
    Map<String, List<Step>> plans = plan("paper-cpu.conf");
    assertEquals(6, count(plans.get("rq1"), Stage.TUNE));
    List<Step> rq2 = plans.get("rq2");
    assertEquals(18, count(rq2, Stage.TUNE));
    assertEquals(List.of(), labels(rq2, Stage.SCORE, l -> l.endsWith("on book")));
    assertEquals(List.of("at train=alpaca K=0 seed=0 on movie"), labels(rq2, Stage.SCORE, l -> l.startsWith("at ")));
    assertEquals(6, count(plans.get("rq3"), Stage.SCORE));
    assertTrue(plans.get("rq1").stream().filter(s -> s.stage() == Stage.BASELINES)
        .allMatch(s -> s.settingsJson().replace(" ", "").contains("\"seeds\":[0,1,2,3,4]")));
  }

  @Test
  void anUnknownScoreOnIsRejectedByName() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> plan("paper.conf", "grid.rq1.rec-tuning.score-on=everywhere"));
    assertTrue(e.getMessage().contains("experiment.rec-tuning.score-on"), e.getMessage());
  }
}
