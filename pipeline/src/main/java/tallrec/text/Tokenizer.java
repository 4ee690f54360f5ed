package tallrec.text;

/**
 * A LLaMA-family tokenizer: text to token ids and back.
 *
 * <p>Implementations: SentencePiece BPE ({@code tokenizer.model}), llama2.c ({@code tokenizer.bin}),
 * Hugging Face {@code tokenizer.json}, and a byte-level tokenizer for models the project builds.
 * Encoding never appends EOS; callers that train on a response add {@link #eosId()} themselves.
 */
public interface Tokenizer {

  /**
   * Encodes text. {@code addBos} means "the special prefix this tokenizer adds (BOS), if it adds
   * one": SentencePiece, llama2.c and byte tokenizers prepend {@link #bosId()}; a
   * {@code tokenizer.json} follows its own convention (Llama 3 prepends
   * {@code <|begin_of_text|>}, Qwen prepends nothing), see {@link #addsBos()}. No EOS is ever
   * appended.
   */
  int[] encode(String text, boolean addBos);

  /**
   * Whether {@code encode(text, true)} prepends anything (the BOS); false for tokenizers whose
   * models are trained without one (Qwen2/Qwen3), where {@link #bosId()} may be -1.
   */
  default boolean addsBos() {
    return true;
  }

  /** Decodes ids to text, skipping BOS/EOS/pad control tokens. */
  String decode(int[] ids);

  /** The piece (vocabulary string) of an id, as stored in the model, e.g. {@code "▁Yes"}. */
  String piece(int id);

  /** The id of a piece, or -1 when the vocabulary has no such piece. */
  int pieceId(String piece);

  int vocabSize();

  /** The BOS id, or -1 when the tokenizer has none. */
  int bosId();

  int eosId();

  /** Padding id; tokenizers without one return -1 and batching pads with EOS (as alpaca-lora's reference does with id 0). */
  int padId();

  int unkId();
}
