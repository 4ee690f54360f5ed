package tallrec.train;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tallrec.eval.RankAuc;
import tallrec.llm.LlamaModel;
import tallrec.llm.YesNoScorer;
import tallrec.lora.LoraAdapter;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.SamplePrompt;
import tallrec.text.Tokenizer;

/** The two validation metrics: rec AUC of P(Yes) and held-out causal-LM loss. */
public final class Validators {

  private Validators() {}

  /**
   * Validation AUC of TALLRec's score (softmax over the Yes/No logits at the response slot) through
   * the unmerged adapter, exact by ranks.
   */
  public static Validator recAuc(List<TuneData.Labeled> valid, Tokenizer tok, int maxPromptTokens, int batch) {
    return recAuc(valid, tok, maxPromptTokens, batch, AlpacaTemplate.ALPACA, false);
  }

  /**
   * As above, the prompts rendered in {@code template} (the one the adapter is trained on); with
   * {@code referenceFp16} the ranked score is the reference's (see YesNoScorer.Options#referenceFp16).
   */
  public static Validator recAuc(List<TuneData.Labeled> valid, Tokenizer tok, int maxPromptTokens, int batch,
      AlpacaTemplate template, boolean referenceFp16) {
    for (TuneData.Labeled l : valid) {
      if (l.label() < 0) {
        throw new IllegalArgumentException("validation sample " + l.prompt().id() + " has no Yes/No label");
      }
    }
    Set<String> domains = new TreeSet<>();
    for (TuneData.Labeled l : valid) {
      domains.add(String.valueOf(l.domain()));
    }
    return new Validator() {
      private Map<String, Double> byGroup = Map.of();
      // The prompts' tokens and answer ids stay the same from one evaluation to the next (only the
      // adapter changes): tokenized once, at the first (3 encodings per prompt each time before).
      private LlamaModel preparedFor;
      private YesNoScorer.Prepared prepared;

      @Override
      public String metric() {
        return "valid_auc";
      }

      @Override
      public boolean higherIsBetter() {
        return true;
      }

      @Override
      public double evaluate(LlamaModel model, LoraAdapter adapter) {
        YesNoScorer scorer = scorer(model, tok, maxPromptTokens, batch, referenceFp16);
        if (model != preparedFor) {
          prepared = scorer.prepare(prompts(valid, template));
          preparedFor = model;
        }
        double[] scores = values(scorer.score(prepared));
        int[] labels = new int[valid.size()];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = valid.get(i).label();
        }
        if (domains.size() > 1) {
          // Cross-domain validation: the pooled AUC drives early stopping; each domain's is logged.
          Map<String, Double> m = new TreeMap<>();
          for (String d : domains) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
              if (d.equals(String.valueOf(valid.get(i).domain()))) {
                idx.add(i);
              }
            }
            double[] s = new double[idx.size()];
            int[] y = new int[idx.size()];
            for (int i = 0; i < s.length; i++) {
              s[i] = scores[idx.get(i)];
              y[i] = labels[idx.get(i)];
            }
            m.put(d, RankAuc.auc(s, y));
          }
          byGroup = m;
        }
        return RankAuc.auc(scores, labels);
      }

      @Override
      public Map<String, Double> lastByGroup() {
        return byGroup;
      }
    };
  }

  /** AUC of the model (with whatever adapter it carries) on labeled samples. */
  public static double auc(LlamaModel model, Tokenizer tok, List<TuneData.Labeled> data, int maxPromptTokens, int batch) {
    int[] labels = new int[data.size()];
    for (int i = 0; i < data.size(); i++) {
      labels[i] = data.get(i).label();
    }
    return RankAuc.auc(scores(model, tok, data, maxPromptTokens, batch, AlpacaTemplate.ALPACA, false), labels);
  }

  /** P(Yes) of each sample, in order. */
  static double[] scores(LlamaModel model, Tokenizer tok, List<TuneData.Labeled> data, int maxPromptTokens, int batch,
      AlpacaTemplate template, boolean referenceFp16) {
    return values(scorer(model, tok, maxPromptTokens, batch, referenceFp16).score(prompts(data, template)));
  }

  private static YesNoScorer scorer(LlamaModel model, Tokenizer tok, int maxPromptTokens, int batch,
      boolean referenceFp16) {
    return new YesNoScorer(model, tok,
        new YesNoScorer.Options().batchSize(batch).maxPromptTokens(maxPromptTokens).referenceFp16(referenceFp16));
  }

  private static List<SamplePrompt> prompts(List<TuneData.Labeled> data, AlpacaTemplate template) {
    List<SamplePrompt> prompts = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      prompts.add(data.get(i).prompt(template));
    }
    return prompts;
  }

  private static double[] values(List<YesNoScorer.Score> s) {
    double[] scores = new double[s.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = s.get(i).score;
    }
    return scores;
  }

  /** Mean next-token loss over held-out examples (token-weighted), lower is better. */
  public static Validator heldOutLoss(List<TrainExample> valid, boolean trainOnInputs, int padId, int batch) {
    return new Validator() {
      @Override
      public String metric() {
        return "valid_loss";
      }

      @Override
      public boolean higherIsBetter() {
        return false;
      }

      @Override
      public double evaluate(LlamaModel model, LoraAdapter adapter) {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < valid.size(); i += batch) {
          List<TrainExample> chunk = valid.subList(i, Math.min(valid.size(), i + batch));
          try (NDManager scope = model.manager().getParentManager().newSubManager()) {
            CausalLmLoss.Result r = CausalLmLoss.compute(model, scope, chunk, trainOnInputs, padId, 1.0, false);
            sum += CausalLmLoss.value(r.loss()) * r.predictedTokens();
            count += r.predictedTokens();
          }
        }
        return sum / count;
      }
    };
  }
}
