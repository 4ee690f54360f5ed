/**
 * The model engine: LLaMA-family configs ({@code llama}, {@code qwen2}, {@code mistral}) and
 * checkpoints (safetensors, llama2.c), the decoder forward pass in DJL ops with rotary scaling and
 * half precision, Yes/No scoring, generation, and torch's autograd switch ({@link tallrec.llm.GradMode}).
 * May import {@code conf} and {@code text} only: adapters ({@code lora}), prompts and training build on
 * it, never the other way round.
 */
package tallrec.llm;
