package tallrec.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import tallrec.conf.TallRecConf;

/**
 * A list of experiments sharing one output directory ({@code tallrec.grid}: entry name →
 * overrides of {@code tallrec.experiment}), e.g. the paper's RQ1–RQ3. Entries share datasets,
 * models and every tuning/scoring output whose settings coincide (an RQ2 TALLRec run at K = 64
 * is the RQ1 one), so a grid is extended without recomputing; each entry evaluates into
 * {@code out/eval/NAME}. All entries draw the union of the grid's K-shot sets, so their shared
 * datasets are identical.
 */
public final class ExperimentGrid {

  private ExperimentGrid() {}

  /** One config per entry to run (in the grid's order of names), or {@code conf} itself when there is no grid. */
  public static List<TallRecConf> entries(TallRecConf conf, List<String> only) {
    Config grid = conf.section("grid");
    if (grid.root().isEmpty()) {
      if (only != null && !only.isEmpty()) {
        throw new IllegalArgumentException("--grid " + only + " given, but the config defines no tallrec.grid");
      }
      return List.of(conf);
    }
    List<String> names = new ArrayList<>(new TreeSet<>(grid.root().keySet()));
    if (only != null && !only.isEmpty()) {
      for (String n : only) {
        if (!names.contains(n)) {
          throw new IllegalArgumentException("--grid: no entry '" + n + "' in tallrec.grid " + names);
        }
      }
      names = new ArrayList<>(only);
    }
    Config base = conf.section("experiment");
    TreeSet<Integer> ks = new TreeSet<>();
    TreeSet<Integer> seeds = new TreeSet<>();
    List<Config> merged = new ArrayList<>();
    // The union over the whole grid, not only the selected entries: a later full run must find
    // the datasets unchanged.
    for (String n : new TreeSet<>(grid.root().keySet())) {
      Config e = grid.getConfig(n).withFallback(base);
      ks.addAll(e.getIntList("rec-tuning.k"));
      seeds.addAll(e.getIntList("rec-tuning.seeds"));
      ks.addAll(e.getIntList("kshot.k"));
      seeds.addAll(e.getIntList("kshot.seeds"));
      if (e.hasPath("baselines.k")) {
        ks.addAll(e.getIntList("baselines.k"));
      }
      if (e.hasPath("baselines.seeds")) {
        seeds.addAll(e.getIntList("baselines.seeds"));
      }
    }
    String out = base.getString("out");
    if (out.isBlank()) {
      throw new IllegalArgumentException("experiment.out is not set: where the grid writes");
    }
    List<TallRecConf> confs = new ArrayList<>();
    for (String n : names) {
      Config e = grid.getConfig(n).withFallback(base)
          .withValue("name", ConfigValueFactory.fromAnyRef(n))
          .withValue("out", ConfigValueFactory.fromAnyRef(out))
          .withValue("metrics-dir", ConfigValueFactory.fromAnyRef(new Path(out, "eval/" + n).toString()))
          .withValue("kshot.k", ConfigValueFactory.fromIterable(ks))
          .withValue("kshot.seeds", ConfigValueFactory.fromIterable(seeds));
      confs.add(conf.with("experiment", e.root().unwrapped()));
    }
    return confs;
  }
}
