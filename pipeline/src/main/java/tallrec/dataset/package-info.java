/**
 * Instruction data: per-user history windows, the reference's exact sample selection and the
 * temporal one, K-shot draws, validation subsets, rendered samples and the Alpaca JSON export.
 * May import {@code conf}, {@code io}, {@code data} and {@code prompt}; not the model or training layers.
 */
package tallrec.dataset;
