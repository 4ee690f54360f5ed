package tallrec.llm;

import ai.djl.ndarray.NDArray;

/**
 * One projection of the model ({@code y = x W^T}), named as in Hugging Face checkpoints (e.g.
 * {@code model.layers.0.self_attn.q_proj}). The model calls projections only through this
 * interface, so an adapter (LoRA: {@code y = x W^T + s * x A^T B^T}) can wrap any of them via
 * {@link LlamaModel#replaceLinear} without touching the forward pass.
 */
public interface Linear {

  String name();

  int inFeatures();

  int outFeatures();

  /**
   * Applies the projection to {@code x} of shape [..., in]. The result must belong to {@code x}'s
   * manager (put the activation first in every op), so per-forward work never leaks into the
   * weights' manager.
   */
  NDArray forward(NDArray x);

  /**
   * Whether a parameter this projection's forward reads is a trainable leaf (so backward through
   * it yields gradients), e.g. to skip a backward that could reach none.
   */
  boolean trains();
}
