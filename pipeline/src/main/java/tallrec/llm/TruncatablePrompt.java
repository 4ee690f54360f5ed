package tallrec.llm;

/**
 * A prompt whose history (the user's past interactions, oldest first) can be shortened to fit the
 * model's context. Implemented by the prompt package; the scorer decides how much to drop because
 * only it knows the token count.
 */
public interface TruncatablePrompt {

  /** Number of history items in the full prompt. */
  int historySize();

  /** The prompt text with the {@code dropOldest} oldest history items left out (0 ≤ dropOldest ≤ historySize()). */
  String render(int dropOldest);

  /** The sample's id, for error messages and outputs. */
  String id();
}
