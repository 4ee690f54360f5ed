package tallrec.llm;

/** Where pad tokens go in a batch; results do not depend on it (positions come from the mask). */
public enum PaddingSide {
  LEFT,
  RIGHT
}
