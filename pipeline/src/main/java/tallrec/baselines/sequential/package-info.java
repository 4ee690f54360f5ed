/**
 * Sequential recommenders (GRU4Rec, Caser, SASRec, DROS) trained with their own small DJL loops on the
 * same K-shot samples. Implements {@link tallrec.baselines.Baseline}; may import {@code baselines},
 * {@code dataset}, {@code eval} and {@code llm} (for the autograd switch).
 */
package tallrec.baselines.sequential;
