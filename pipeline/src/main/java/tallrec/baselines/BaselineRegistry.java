package tallrec.baselines;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tallrec.conf.TallRecConf;
import tallrec.baselines.sequential.Architecture;
import tallrec.baselines.sequential.SequentialBaseline;

/** The baselines {@code tallrec baselines --only} can run, by name, built from {@code tallrec.baselines}. */
public final class BaselineRegistry {

  private static final Map<String, Function<Config, Baseline>> ALL = new LinkedHashMap<>();

  static {
    ALL.put(LikeRatio.NAME, c -> new LikeRatio());
    ALL.put(ItemRate.KSHOT_NAME,
        c -> new ItemRate(ItemRate.KSHOT_NAME, Baseline.Training.KSHOT, c.getDouble("item-rate.smoothing")));
    ALL.put(ItemRate.TRAIN_NAME,
        c -> new ItemRate(ItemRate.TRAIN_NAME, Baseline.Training.TRAIN_SPLIT, c.getDouble("item-rate.smoothing")));
    ALL.put(MllibBaseline.LR_NAME,
        c -> MllibBaseline.logisticRegression(c.getConfig("mllib-lr"), c.getDouble("item-rate.smoothing")));
    ALL.put(MllibBaseline.GBT_NAME,
        c -> MllibBaseline.gbt(c.getConfig("mllib-gbt"), c.getDouble("item-rate.smoothing")));
    for (Architecture a : Architecture.values()) {
      ALL.put(a.baselineName, c -> SequentialBaseline.of(a, c.getConfig("sequential")));
    }
    ALL.put(TextAwareBaseline.GRU_NAME, c -> new TextAwareBaseline(TextAwareBaseline.GRU_NAME, Architecture.GRU4REC, c));
    ALL.put(TextAwareBaseline.DROS_NAME, c -> new TextAwareBaseline(TextAwareBaseline.DROS_NAME, Architecture.DROS, c));
    ALL.put(Icl.NAME, Icl::fromConfig);
  }

  private BaselineRegistry() {}

  public static List<String> available() {
    return List.copyOf(ALL.keySet());
  }

  /**
   * As {@link #resolve(List, Config)} with the whole resolved config: the baselines section, plus
   * {@code tallrec.domains} placed beside it as {@code domains}, since a baseline that renders
   * prompts (icl) needs each domain's prompt noun.
   */
  public static List<Baseline> resolve(List<String> names, TallRecConf conf) {
    Config baselines = conf.section("baselines")
        .withFallback(ConfigFactory.empty().withValue("domains", conf.section("domains").root()));
    return resolve(names, baselines);
  }

  /** The named baselines, in the order given; an unknown name is an error listing the available ones. */
  public static List<Baseline> resolve(List<String> names, Config baselines) {
    List<String> unknown = names.stream().filter(n -> !ALL.containsKey(n)).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("Unknown baseline(s) " + unknown + "; available: "
          + String.join(", ", available()));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("No baseline selected; available: " + String.join(", ", available()));
    }
    List<Baseline> out = new ArrayList<>();
    for (String n : names.stream().distinct().toList()) {
      out.add(ALL.get(n).apply(baselines));
    }
    return out;
  }
}
