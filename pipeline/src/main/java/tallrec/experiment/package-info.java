/**
 * The experiment runner: an experiment config planned into stages (synth, ingest, instructions,
 * model, pretrain, alpaca/rec tuning, scoring, baselines, evaluation, report), each with a content key,
 * skipped when its committed output matches and resumed where it stopped. The top of the pipeline:
 * may import every package below it; none imports it (only the {@code jobs} commands do).
 */
package tallrec.experiment;
