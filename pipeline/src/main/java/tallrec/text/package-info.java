/**
 * Tokenizers (SentencePiece, llama2.c, Hugging Face {@code tokenizer.json}, bytes, and the demo's
 * word-level vocabulary): text to ids and back, and which special prefix (BOS) each adds. Imports
 * no other {@code tallrec} package; the model layer ({@code llm}) builds on it.
 */
package tallrec.text;
