package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.eval.RankAuc;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.RandomCheckpoint;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.RecPrompt;
import tallrec.synth.ItemCorpus;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;

/**
 * The demo's backbone end to end at a reduced size, seeds fixed: a synthetic world's corpus and
 * instructions, the word-level tokenizer, pretraining of every weight, the written Hugging Face
 * directory reloaded, and TALLRec's Yes/No scorer on it. After pretraining the model answers the
 * world's yes/no questions about its films (reputation and genre) far above chance, and the same
 * initial weights untrained do not: a regression anywhere on that path (tokenizer, model,
 * full-weight gradients, optimizer, checkpoint writer, scorer) drops the AUC to chance.
 */
class DemoBackboneKnowledgeTest {

  @Test
  void thePretrainedBackboneKnowsTheFilmsAndTheUntrainedOneDoesNot(@TempDir Path dir) throws IOException {
    SyntheticMovieLens world = new SyntheticMovieLens(SynthParams.of(3000, 42));
    List<ItemCorpus.Instruction> instructions = ItemCorpus.instructions(world.catalog(), 1);
    List<String> corpus = new ArrayList<>(world.corpus());
    for (ItemCorpus.Instruction x : instructions) {
      corpus.add(AlpacaTemplate.prompt(x.instruction(), x.input()) + x.output());
    }
    RandomCheckpoint.Shape shape = new RandomCheckpoint.Shape(64, 176, 2, 4, 512);
    CorpusPretraining.Settings s = new CorpusPretraining.Settings(shape, 7,
        new Pretraining.Settings(15, 32, 3e-3, 20, 0.0, 1.0, 42), List.of("movie"), true);
    Path model = dir.resolve("model");
    CorpusPretraining.Outcome o = CorpusPretraining.build(corpus, s, model, null);

    Path init = dir.resolve("init");
    Files.createDirectories(init);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(model.resolve(f), init.resolve(f));
    }
    RandomCheckpoint.writeWeights(init, shape.config(o.vocabulary(), 1, 2), 7);

    double[] trained = questionAucs(model, instructions);
    double[] untrained = questionAucs(init, instructions);
    assertTrue(trained[0] > 0.85, "pretrained: worth-watching AUC " + trained[0]);
    assertTrue(trained[1] > 0.75, "pretrained: genre yes/no AUC " + trained[1]);
    assertTrue(untrained[0] < 0.65 && untrained[1] < 0.65, "untrained: " + untrained[0] + ", " + untrained[1]);
  }

  /** AUC of P(Yes) on the world's worth-watching questions and on its genre questions. */
  private static double[] questionAucs(Path dir, List<ItemCorpus.Instruction> instructions) {
    try (LlamaCheckpoints.Loaded m = LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options().precision("f32"))) {
      YesNoScorer scorer = new YesNoScorer(m.model, m.tokenizer, new YesNoScorer.Options());
      double[] out = new double[2];
      for (int kind = 0; kind < 2; kind++) {
        List<int[]> prompts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (ItemCorpus.Instruction x : instructions) {
          boolean worth = x.instruction().contains("worth watching");
          boolean genre = x.instruction().startsWith("Is this movie a");
          if (kind == 0 ? worth : genre) {
            prompts.add(m.tokenizer.encode(AlpacaTemplate.prompt(x.instruction(), x.input()), true));
            labels.add(x.output().equals(RecPrompt.YES) ? 1 : 0);
          }
        }
        String any = AlpacaTemplate.prompt("q", "\"a\"");
        int[] ids = YesNoScorer.answerIds(m.tokenizer, any, RecPrompt.YES, RecPrompt.NO);
        int[] yes = new int[prompts.size()];
        int[] no = new int[prompts.size()];
        java.util.Arrays.fill(yes, ids[0]);
        java.util.Arrays.fill(no, ids[1]);
        double[][] scores = scorer.scoreTokenized(prompts, yes, no);
        double[] p = new double[scores.length];
        int[] y = new int[scores.length];
        for (int i = 0; i < p.length; i++) {
          p[i] = scores[i][2];
          y[i] = labels.get(i);
        }
        out[kind] = RankAuc.auc(p, y);
      }
      return out;
    }
  }
}
