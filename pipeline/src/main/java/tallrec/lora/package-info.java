/**
 * LoRA adapters: wrapping a model's projections, their parameters, merge/unmerge, and the PEFT
 * file layout ({@code adapter_config.json}, {@code adapter_model.safetensors}). May import {@code llm}
 * only.
 */
package tallrec.lora;
