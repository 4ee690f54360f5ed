/**
 * The metric stage: exact AUC per group with MLlib ({@code numBins = 0}) and by ranks
 * ({@link tallrec.eval.RankAuc}, which training's early stopping also uses), seed summaries and the
 * metrics table. May import {@code data} and {@code io} only.
 */
package tallrec.eval;
