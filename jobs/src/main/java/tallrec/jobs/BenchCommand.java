package tallrec.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tallrec bench}: micro-benchmarks of pipeline stages. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {BenchScoringCommand.class, BenchPromptsCommand.class, BenchGenerationCommand.class,
        BenchDatasetCommand.class, BenchTuningCommand.class, BenchScoreStageCommand.class})
public final class BenchCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
