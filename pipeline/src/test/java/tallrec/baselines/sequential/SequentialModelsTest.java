package tallrec.baselines.sequential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import tallrec.conf.TallRecConf;
import tallrec.eval.RankAuc;

/** The four sequence models with real DJL on hand-made samples: they learn, and a seed repeats exactly. */
class SequentialModelsTest {

  static final SeqSettings DEFAULTS = SeqSettings.from(TallRecConf.defaults().section("baselines.sequential"));

  /**
   * 32 samples over 12 items: histories of 3 to 10 items (shorter ones get padded), label = 1 when
   * the target and the most recent history item have the same parity — a rule that needs both the
   * sequence and the target.
   */
  static List<SeqSample> tiny(int n, long seed, boolean valid) {
    Random r = new Random(seed);
    List<SeqSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 3 + r.nextInt(8);
      List<String> h = new ArrayList<>();
      List<Integer> hl = new ArrayList<>();
      for (int j = 0; j < len; j++) {
        h.add("i" + r.nextInt(12));
        hl.add(r.nextInt(2));
      }
      int t = r.nextInt(12);
      int last = Integer.parseInt(h.get(len - 1).substring(1));
      out.add(new SeqSample(String.format("s%03d", i), h, hl, "i" + t, (t + last) % 2 == 0 ? 1 : 0, valid));
    }
    return out;
  }

  /** Fast settings for the tiny set: one batch of 32 per step, lr 1e-2, no early stop, one weight decay. */
  static SeqSettings fast(int epochs) {
    SeqSettings s = DEFAULTS.withEpochs(epochs).withSearch(List.of(1e-6), 20, 0);
    return new SeqSettings(s.historyLength(), s.hidden(), s.epochs(), 32, 1e-2, s.weightDecays(), s.evalEvery(),
        s.patience(), s.historyLabels(), s.dropout(), s.gruLayers(), s.caserFilterSizes(),
        s.caserHorizontalFilters(), s.caserVerticalFilters(), s.sasrecBlocks(), s.sasrecHeads(), s.drosAlpha(),
        s.drosBeta(), s.torchThreads());
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void eachModelOverfitsATinySet(Architecture arch) {
    List<SeqSample> train = tiny(32, 1, false);
    List<SeqSample> asValid = train.stream().map(x -> new SeqSample(x.sampleId(), x.history(), x.historyLabels(),
        x.target(), x.label(), true)).toList();
    ItemIndex index = SequentialBaseline.indexOf(train, asValid);
    SeqTrainer.Result r = SeqTrainer.train(arch, fast(60), null, index, new SeqData(train, index, 10),
        new SeqData(asValid, index, 10), 1e-6, 3);
    double first = r.losses().get(0);
    double last = r.losses().subList(r.losses().size() - 5, r.losses().size()).stream()
        .mapToDouble(Double::doubleValue).average().orElseThrow();
    System.out.printf("%s: MSE %.4f -> %.4f, train AUC %.3f at step %d, %.1f s%n", arch, first, last,
        r.validAuc(), r.bestStep(), r.seconds());
    assertEquals(0.25, first, 0.05, "sigmoid of small logits: about the MSE of a coin flip");
    assertTrue(last < first / 2, arch + " loss " + first + " -> " + last);
    List<Double> total = r.totalLosses();
    assertTrue(total.get(total.size() - 1) < total.get(0), arch + " optimised loss falls: " + total);
    assertTrue(r.validAuc() >= 0.95, arch + " train AUC " + r.validAuc());
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void aSeedRepeatsBitForBitAndAnotherSeedDiffers(Architecture arch) {
    List<SeqSample> train = tiny(32, 2, false);
    List<SeqSample> eval = new ArrayList<>(tiny(24, 5, true));
    eval.addAll(tiny(24, 6, false).stream().map(x -> new SeqSample("t" + x.sampleId(), x.history(),
        x.historyLabels(), x.target(), x.label(), false)).toList());
    ItemIndex index = SequentialBaseline.indexOf(train, eval);
    SeqSettings s = fast(20).withSearch(List.of(1e-3, 1e-7), 5, 0);
    SeqData tr = new SeqData(train, index, 10);
    SeqData ev = new SeqData(eval, index, 10);
    WeightDecaySearch.Outcome a = WeightDecaySearch.run(arch, s, null, index, tr, ev, 11);
    System.gc();  // a collection between the runs must not change anything (djl-pitfalls: Java scalars)
    WeightDecaySearch.Outcome b = WeightDecaySearch.run(arch, s, null, index, tr, ev, 11);
    WeightDecaySearch.Outcome c = WeightDecaySearch.run(arch, s, null, index, tr, ev, 12);
    assertArrayEquals(a.chosen().scores(), b.chosen().scores());
    assertEquals(a.chosen().losses(), b.chosen().losses());
    assertEquals(a.chosen().weightDecay(), b.chosen().weightDecay());
    assertFalse(Arrays.equals(a.chosen().scores(), c.chosen().scores()));
  }

  @Test
  void theWeightDecayWithTheBestValidAucWinsFirstOnTiesAndNanNever() {
    assertEquals(2, WeightDecaySearch.select(List.of(0.51, 0.55, 0.60, 0.58, 0.40)));
    assertEquals(1, WeightDecaySearch.select(List.of(0.50, 0.62, 0.62)), "a tie goes to the first listed");
    assertEquals(1, WeightDecaySearch.select(List.of(Double.NaN, 0.3, Double.NaN)), "NaN never beats a number");
    assertEquals(0, WeightDecaySearch.select(List.of(Double.NaN, Double.NaN)), "all NaN: the first listed");
    assertThrows(IllegalArgumentException.class, () -> WeightDecaySearch.select(List.of()));
  }

  @Test
  void theSearchReportsTheChosenRunsScoresForEveryEvaluationRow() {
    List<SeqSample> train = tiny(32, 3, false);
    List<SeqSample> eval = new ArrayList<>(tiny(30, 8, true));
    ItemIndex index = SequentialBaseline.indexOf(train, eval);
    SeqSettings s = fast(15).withSearch(List.of(1e-3, 1e-5, 1e-7), 5, 0);
    WeightDecaySearch.Outcome o = WeightDecaySearch.run(Architecture.GRU4REC, s, null, index,
        new SeqData(train, index, 10), new SeqData(eval, index, 10), 4);
    assertEquals(3, o.runs().size());
    List<Double> aucs = o.runs().stream().map(SeqTrainer.Result::validAuc).toList();
    assertEquals(o.runs().get(WeightDecaySearch.select(aucs)), o.chosen());
    // The chosen run's kept scores are those of its best validation step: their valid AUC is the one recorded.
    int[] labels = eval.stream().mapToInt(SeqSample::label).toArray();
    double[] scores = new double[eval.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = o.chosen().scores()[i];
    }
    assertEquals(o.chosen().validAuc(), RankAuc.auc(scores, labels), 1e-12);
  }

  @Test
  void paddingRepeatsTheLastItemAndAnEmptyHistoryUsesTheNoneRow() {
    List<SeqSample> s = List.of(
        new SeqSample("a", List.of("x", "y"), List.of(1, 0), "z", 1, false),
        new SeqSample("b", List.of(), List.of(), "x", 0, false),
        new SeqSample("c", List.of("1", "2", "3", "4", "5"), List.of(0, 0, 1, 1, 1), "x", 0, false));
    ItemIndex index = SequentialBaseline.indexOf(s, List.of());
    SeqData d = new SeqData(s, index, 3);
    int x = index.row("x");
    int y = index.row("y");
    assertArrayEquals(new int[] {x, y, y}, Arrays.copyOfRange(d.hist, 0, 3));
    assertArrayEquals(new float[] {1, 0, 0}, Arrays.copyOfRange(d.histLabels, 0, 3));
    assertArrayEquals(new int[] {index.none(), index.none(), index.none()}, Arrays.copyOfRange(d.hist, 3, 6));
    assertArrayEquals(new int[] {index.row("3"), index.row("4"), index.row("5")}, Arrays.copyOfRange(d.hist, 6, 9),
        "a longer history keeps its most recent items");
  }

  /** A fake text encoder: dimension 0 says whether the item's number is even, the rest is a hash. */
  static final ItemVectors FAKE = ItemVectors.of(8, id -> {
    int k = Integer.parseInt(id.substring(1));
    Random r = new Random(id.hashCode());
    float[] v = new float[8];
    for (int j = 1; j < 8; j++) {
      v[j] = (float) r.nextGaussian();
    }
    v[0] = k % 2 == 0 ? 1f : -1f;
    return v;
  });

  /** Samples whose label is "the target's number is even", targets drawn from [from, from + 20). */
  static List<SeqSample> evenTargets(int n, int from, long seed, boolean valid) {
    Random r = new Random(seed);
    List<SeqSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> h = new ArrayList<>();
      for (int j = 0; j < 10; j++) {
        h.add("i" + r.nextInt(40));
      }
      int t = from + r.nextInt(20);
      out.add(new SeqSample(String.format("%s%03d", valid ? "v" : "t", i), h, java.util.Collections.nCopies(10, 1),
          "i" + t, t % 2 == 0 ? 1 : 0, valid));
    }
    return out;
  }

  @Test
  void itemVectorsReachTargetsTheKShotSetNeverShowed() {
    List<SeqSample> train = evenTargets(32, 0, 1, false);
    List<SeqSample> unseen = evenTargets(40, 20, 2, true);
    ItemIndex index = SequentialBaseline.indexOf(train, unseen);
    SeqData tr = new SeqData(train, index, 10);
    SeqData ev = new SeqData(unseen, index, 10);
    SeqSettings s = fast(60).withSearch(List.of(1e-6), 60, 0);
    SeqTrainer.Result a = SeqTrainer.train(Architecture.GRU4REC, s, FAKE, index, tr, ev, 1e-6, 5);
    SeqTrainer.Result b = SeqTrainer.train(Architecture.GRU4REC, s, FAKE, index, tr, ev, 1e-6, 5);
    System.out.printf("GRU4Rec + item vectors: AUC on unseen targets %.3f%n", a.validAuc());
    assertTrue(a.validAuc() >= 0.9, "unseen targets scored through their vectors: AUC " + a.validAuc());
    assertArrayEquals(a.scores(), b.scores());
    // DROS takes them too (its robust term pushes every non-target item, unseen ones included, to 0,
    // so no AUC is asserted for it here) and repeats exactly.
    SeqTrainer.Result d1 = SeqTrainer.train(Architecture.DROS, s.withEpochs(10), FAKE, index, tr, ev, 1e-6, 5);
    SeqTrainer.Result d2 = SeqTrainer.train(Architecture.DROS, s.withEpochs(10), FAKE, index, tr, ev, 1e-6, 5);
    assertArrayEquals(d1.scores(), d2.scores());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void theTargetLogitIsItsColumnOfTheAllItemLogits(boolean withVectors) {
    List<SeqSample> rows = evenTargets(6, 0, 3, false);
    ItemIndex index = SequentialBaseline.indexOf(rows, List.of());
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      tallrec.llm.GradMode.off();
      SeqModel model = Architecture.GRU4REC.build(new Params(m, 9), DEFAULTS, index, withVectors ? FAKE : null);
      Batch b = new Batch(new SeqData(rows, index, 10), new int[] {0, 1, 2, 3, 4, 5}, m);
      ai.djl.ndarray.NDArray h = model.encode(b, m, Dropout.OFF);
      float[] own = model.head.target(h, b.target, m).toFloatArray();
      float[] all = model.head.all(h, m).toFloatArray();
      for (int i = 0; i < 6; i++) {
        assertEquals(all[i * index.size() + index.row(rows.get(i).target())], own[i], 1e-5);
      }
    }
  }

  @Test
  void onlyGruModelsTakeItemVectors() {
    ItemIndex index = new ItemIndex(List.of("i0"));
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      assertThrows(IllegalArgumentException.class,
          () -> Architecture.CASER.build(new Params(m, 1), DEFAULTS, index, FAKE));
    }
    assertThrows(IllegalArgumentException.class, () -> new SequentialBaseline("x", Architecture.SASREC, DEFAULTS, FAKE));
  }
}
