package tallrec.jobs;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tallrec.io.OutputCheck;

@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description = {
      "List every stage output under a run directory with its state: complete (its manifest, and those of the",
      "outputs committed with it, agree), incomplete (an output committed with it is missing or from another",
      "commit: the stage re-runs), stale (an input it records changed since: an earlier stage re-made, a raw file",
      "edited), orphan (a staging directory a killed attempt left). --fix removes the orphans; run it while no job",
      "writes there. Exit code 1 when anything is incomplete, stale or orphaned (after --fix: incomplete or stale)."
    })
public final class FsckCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "DIR", description = "A run directory (experiment.out) or any output tree.")
  String dir;

  @Option(names = "--fix", description = "Remove orphan staging directories.")
  boolean fix;

  @Override
  public Integer call() {
    Configuration conf = new Configuration();
    List<OutputCheck.Entry> entries = OutputCheck.scan(new Path(dir), conf);
    long incomplete = 0;
    long stale = 0;
    long orphans = 0;
    for (OutputCheck.Entry e : entries) {
      System.out.printf("%-10s %s  %s%n", e.state(), e.path(), e.detail());
      incomplete += e.state().equals("incomplete") ? 1 : 0;
      stale += e.state().equals("stale") ? 1 : 0;
      orphans += e.state().equals("orphan") ? 1 : 0;
    }
    int removed = fix ? OutputCheck.removeOrphans(entries, conf) : 0;
    long outputs = entries.size() - orphans;
    System.out.printf("%d outputs: %d complete, %d incomplete, %d stale, %d orphan staging director%s%s%n", outputs,
        outputs - incomplete - stale, incomplete, stale, orphans, orphans == 1 ? "y" : "ies",
        fix ? " (" + removed + " removed)" : orphans > 0 ? " (--fix removes them)" : "");
    return incomplete > 0 || stale > 0 || (orphans > 0 && !fix) ? 1 : 0;
  }
}
