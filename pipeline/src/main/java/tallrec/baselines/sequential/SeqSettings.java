package tallrec.baselines.sequential;

import com.typesafe.config.Config;
import java.util.List;

/**
 * {@code tallrec.baselines.sequential} (documented in reference.conf).
 *
 * @param historyLength L, the history rows every sample is padded or cut to
 * @param hidden d, the ID embedding and hidden size
 * @param epochs passes over the K-shot set; steps = epochs * ceil(K / batch)
 * @param evalEvery steps between validation AUCs (and once after the last step)
 * @param patience validations without improvement before stopping; 0 = never
 * @param historyLabels feed each history item's like/dislike to the model (the reference's
 *     {@code *_with_label} scripts: ID embedding of d-1 floats + the label)
 * @param dropout Caser's and SASRec's dropout rate (GRU4Rec and DROS have none, as in the reference)
 * @param torchThreads torch intra-op threads while a search runs (restored after)
 */
public record SeqSettings(int historyLength, int hidden, int epochs, int batch, double lr, List<Double> weightDecays,
    int evalEvery, int patience, boolean historyLabels, double dropout, int gruLayers,
    List<Integer> caserFilterSizes, int caserHorizontalFilters, int caserVerticalFilters,
    int sasrecBlocks, int sasrecHeads, double drosAlpha, double drosBeta, int torchThreads) {

  public SeqSettings {
    if (hidden < 2 || epochs < 0 || batch < 1 || lr <= 0 || weightDecays.isEmpty() || evalEvery < 1 || patience < 0
        || historyLength < 1 || gruLayers < 1 || sasrecBlocks < 1 || sasrecHeads < 1 || hidden % sasrecHeads != 0
        || torchThreads < 1 || dropout < 0 || dropout >= 1 || drosBeta <= 0 || drosAlpha < 0 || caserFilterSizes.isEmpty()
        || caserFilterSizes.stream().anyMatch(h -> h < 1 || h > historyLength)) {
      throw new IllegalArgumentException("Invalid tallrec.baselines.sequential settings: " + this);
    }
  }

  public static SeqSettings from(Config c) {
    return new SeqSettings(c.getInt("history-length"), c.getInt("hidden"), c.getInt("epochs"), c.getInt("batch"),
        c.getDouble("lr"), c.getDoubleList("weight-decays"), c.getInt("eval-every"), c.getInt("patience"),
        c.getBoolean("history-labels"), c.getDouble("dropout"), c.getInt("gru4rec.layers"),
        c.getIntList("caser.filter-sizes"), c.getInt("caser.horizontal-filters"), c.getInt("caser.vertical-filters"),
        c.getInt("sasrec.blocks"), c.getInt("sasrec.heads"), c.getDouble("dros.alpha"), c.getDouble("dros.beta"),
        c.getInt("torch-threads"));
  }

  public SeqSettings withEpochs(int e) {
    return new SeqSettings(historyLength, hidden, e, batch, lr, weightDecays, evalEvery, patience, historyLabels,
        dropout, gruLayers, caserFilterSizes, caserHorizontalFilters, caserVerticalFilters, sasrecBlocks, sasrecHeads,
        drosAlpha, drosBeta, torchThreads);
  }

  public SeqSettings withSearch(List<Double> wds, int evalEvery, int patience) {
    return new SeqSettings(historyLength, hidden, epochs, batch, lr, wds, evalEvery, patience, historyLabels,
        dropout, gruLayers, caserFilterSizes, caserHorizontalFilters, caserVerticalFilters, sasrecBlocks, sasrecHeads,
        drosAlpha, drosBeta, torchThreads);
  }

}
