/**
 * Training: alpaca and rec LoRA tuning (the trainer, AdamW, schedules, loss scaling, validation and
 * early stopping, resumable checkpoints), the demo backbone's full-weight pretraining, and memory
 * planning. May import {@code conf}, {@code io}, {@code text}, {@code llm}, {@code lora}, {@code prompt}
 * and {@code eval}; not scoring, baselines, reports or the experiment layer.
 */
package tallrec.train;
