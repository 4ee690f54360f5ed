/**
 * The paper's baselines behind one interface ({@link tallrec.baselines.Baseline}): like-ratio,
 * item-rate, MLlib models on sample features, in-context learning with the untuned model, and the
 * registry that resolves them by name, including the sequential and text-embedding families in the
 * sub-packages (which implement this package's interface: the one sanctioned two-way link). May
 * import {@code conf}, {@code io}, {@code data}, {@code dataset}, {@code llm}, {@code eval} and
 * {@code score}; not training, reports or the experiment layer.
 */
package tallrec.baselines;
