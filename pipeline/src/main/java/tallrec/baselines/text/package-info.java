/** Item text embeddings (MiniLM through DJL) for text-aware baselines. May import {@code data} and {@code io} only. */
package tallrec.baselines.text;
