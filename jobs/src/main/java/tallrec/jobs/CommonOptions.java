package tallrec.jobs;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;

/** Options every command takes: a HOCON file and key=value overrides. */
public final class CommonOptions {

  @Option(names = "--conf", paramLabel = "FILE", description = "HOCON config file (see conf/).")
  File conf;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override one setting, e.g. --set instructions.history-length=5 (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master for a local launch (local[N]); bin/tallrec hands spark://, yarn and k8s:// masters to spark-submit.")
  String master;

  /** Resolves the config with the command's own flags (null = not given) on top. */
  public TallRecConf resolve(Map<String, Object> flags) {
    Map<String, Object> all = new LinkedHashMap<>(flags);
    if (master != null) {
      all.put("spark.master", master);
    }
    return TallRecConf.load(conf, sets, all);
  }

  public TallRecConf resolve() {
    return resolve(Map.of());
  }
}
