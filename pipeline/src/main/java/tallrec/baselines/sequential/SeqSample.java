package tallrec.baselines.sequential;

import java.util.List;

/**
 * One sample as the sequence models see it: the history (oldest first), its like/dislike labels,
 * the target and the label; {@code valid} marks rows of the validation split.
 */
public record SeqSample(String sampleId, List<String> history, List<Integer> historyLabels, String target,
    int label, boolean valid) {}
