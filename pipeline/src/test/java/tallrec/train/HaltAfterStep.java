package tallrec.train;

/**
 * Test hook for a child JVM ({@code -Dtallrec-train.extra-listeners=tallrec.train.HaltAfterStep
 * -Dtallrec-test.halt-after-step=N}): ends the JVM abruptly ({@code Runtime.halt(137)}: no finally
 * blocks, no shutdown hooks, as {@code kill -9}) right after step N and its checkpoint, if any.
 */
public final class HaltAfterStep implements TrainingListener {

  private final int step = Integer.getInteger("tallrec-test.halt-after-step", -1);

  @Override
  public void onStep(Step e) {
    if (e.step() == step) {
      System.err.printf("halting the JVM after step %d (test hook)%n", step);
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
