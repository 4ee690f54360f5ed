package tallrec.jobs;

import org.apache.spark.SparkException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code tallrec} command line: one subcommand per pipeline stage. Commands are thin: they
 * parse flags, resolve config through {@link tallrec.conf.TallRecConf}, and call the library.
 */
@Command(
    name = "tallrec",
    mixinStandardHelpOptions = true,
    version = "tallrec 0.1.0",
    description = "TALLRec on Spark: instruction datasets, LoRA tuning of LLaMA, scoring and AUC.",
    subcommands = {
      CommandLine.HelpCommand.class,
      IngestCommand.class,
      InstructionsCommand.class,
      BaselinesCommand.class,
      EmbedItemsCommand.class,
      EvaluateCommand.class,
      ConfGetCommand.class,
      GenerateCommand.class,
      BenchCommand.class,
      TokenizeCommand.class,
      SynthCommand.class,
      DemoCommand.class,
      RunCommand.class,
      ScoreCommand.class,
      TuneCommand.class,
      ReportCommand.class,
      DoctorCommand.class,
      FsckCommand.class,
    })
public final class TallRecCli implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Exit codes: 0 ok, 1 a stage failed (message on stderr), 2 bad usage. */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new TallRecCli());
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("tallrec " + cmd.getCommandName() + ": " + describe(ex));
          if (System.getenv("TALLREC_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    return cli.execute(args);
  }

  private static String describe(Throwable ex) {
    Throwable t = ex;
    // Spark wraps task failures; the user needs the innermost message that names the input.
    while (t.getCause() != null && t.getCause() != t
        && (t.getMessage() == null || t instanceof SparkException)) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
