package tallrec.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tallrec.conf.TallRecConf;

/** Prints one resolved setting; the launcher uses it to find a cluster.conf's master. */
@Command(name = "conf-get", hidden = true, description = "Print one resolved setting (key relative to tallrec.).")
public final class ConfGetCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Parameters(paramLabel = "KEY")
  String key;

  @Override
  public Integer call() {
    TallRecConf conf = common.resolve();
    if (!conf.root().hasPath(key)) {
      return 1;
    }
    System.out.println(conf.root().getValue(key).unwrapped());
    return 0;
  }
}
