/**
 * The score stage: P(Yes) for every sample of a split, in parallel on Spark executors (one model
 * per executor JVM), written as the scores table. May import {@code data}, {@code io}, {@code llm},
 * {@code lora} and {@code prompt}; not training, baselines or evaluation.
 */
package tallrec.score;
