/**
 * TALLRec's prompt: the Alpaca template, a sample's rendering (liked and disliked history, the
 * target item) and its truncation to a token budget. May import {@code conf}, {@code io} and
 * {@code llm} (for the truncation contract); not the stages that use prompts.
 */
package tallrec.prompt;
