package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The numeric settings' valid ranges, checked once the config is resolved, so that
 * {@code tune.batch = 0} or {@code ingest.max-malformed-fraction = 2} fails before any work, in one
 * line naming the key, the value and where it was set (in the manner of Spark ML's param validators).
 *
 * <p>Every number whose default in reference.conf is zero or more must stay zero or more (a count,
 * a size, a rate, a fraction): lists element by element. Some need more ({@link #STRICTER}); a few
 * may be negative whatever their default ({@link #signed}: seeds, and a source's rating scale and
 * time bounds). Sections that take another's settings (an experiment's {@code rec-tuning.tune},
 * {@code demo.experiment}, ...) are checked as that section, as {@link KnownKeys} resolves them.
 */
final class SettingBounds {

  /** A closed or half-open interval; {@code max} NaN = unbounded. */
  record Bound(double min, boolean minOpen, double max, boolean maxOpen) {
    boolean holds(double v) {
      boolean lo = minOpen ? v > min : v >= min;
      boolean hi = Double.isNaN(max) || (maxOpen ? v < max : v <= max);
      return lo && hi;
    }

    String describe() {
      String lo = minOpen ? "above " + fmt(min) : "at least " + fmt(min);
      return Double.isNaN(max) ? lo : lo + " and " + (maxOpen ? "below " : "at most ") + fmt(max);
    }

    private static String fmt(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }

  private static Bound atLeast(double v) {
    return new Bound(v, false, Double.NaN, false);
  }

  private static Bound above(double v) {
    return new Bound(v, true, Double.NaN, false);
  }

  private static final Bound NON_NEGATIVE = atLeast(0);
  private static final Bound FRACTION = new Bound(0, false, 1, false);
  private static final Bound PROBABILITY_BELOW_ONE = new Bound(0, false, 1, true);

  /** Settings with a range narrower than "zero or more" (schema keys, relative to tallrec). */
  static final Map<String, Bound> STRICTER = Map.ofEntries(
      Map.entry("tune.batch", atLeast(1)),
      Map.entry("tune.micro-batch", atLeast(1)),
      Map.entry("tune.lr", above(0)),
      Map.entry("tune.adam-beta1", PROBABILITY_BELOW_ONE),
      Map.entry("tune.adam-beta2", PROBABILITY_BELOW_ONE),
      Map.entry("tune.adam-eps", above(0)),
      Map.entry("tune.cutoff-len", atLeast(2)),
      Map.entry("tune.eval-batch", atLeast(1)),
      Map.entry("tune.lora-r", atLeast(1)),
      Map.entry("tune.lora-alpha", above(0)),
      Map.entry("tune.lora-dropout", PROBABILITY_BELOW_ONE),
      Map.entry("tune.plan-gpu-gib", above(0)),
      Map.entry("score.batch-size", atLeast(1)),
      Map.entry("baselines.icl.batch-size", atLeast(1)),
      Map.entry("baselines.item-embeddings.batch-size", atLeast(1)),
      Map.entry("ingest.max-malformed-fraction", FRACTION),
      Map.entry("instructions.history-length", atLeast(1)),
      Map.entry("instructions.split-fractions", FRACTION),
      Map.entry("instructions.temporal.quantiles", FRACTION),
      Map.entry("synth.ratings", atLeast(1)),
      Map.entry("synth.viewer-stories", NON_NEGATIVE),
      Map.entry("synth.ratings-per-user", atLeast(1)),
      Map.entry("baselines.sequential.history-length", atLeast(1)),
      Map.entry("baselines.sequential.hidden", atLeast(1)),
      Map.entry("baselines.sequential.batch", atLeast(1)),
      Map.entry("baselines.sequential.lr", above(0)),
      Map.entry("baselines.sequential.dropout", PROBABILITY_BELOW_ONE),
      Map.entry("report.width", atLeast(1)),
      Map.entry("report.height", atLeast(1)));

  private final Config reference;

  SettingBounds(Config resolvedReference) {
    this.reference = resolvedReference.getConfig(TallRecConf.ROOT);
  }

  /** Checks every number under {@code tallrec} of the resolved {@code config}. */
  void check(Config config) {
    walk(config.getObject(TallRecConf.ROOT), new ArrayList<>());
  }

  private void walk(ConfigObject obj, List<String> path) {
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey());
      ConfigValue v = e.getValue();
      if (v instanceof ConfigObject child) {
        walk(child, p);
        continue;
      }
      List<String> schema = KnownKeys.schemaPath(p);
      if (schema == null || signed(schema)) {
        continue;
      }
      Bound b = bound(ConfigUtil.joinPath(schema));
      if (b == null) {
        continue;
      }
      if (v.valueType() == ConfigValueType.NUMBER) {
        require(p, ((Number) v.unwrapped()).doubleValue(), b, v.origin());
      } else if (v instanceof ConfigList list) {
        for (ConfigValue item : list) {
          if (item.valueType() == ConfigValueType.NUMBER) {
            require(p, ((Number) item.unwrapped()).doubleValue(), b, item.origin());
          }
        }
      }
    }
  }

  /** The bound of a schema key: its own, else zero or more when its default is a number (or numbers) of zero or more. */
  private Bound bound(String key) {
    Bound own = STRICTER.get(key);
    if (own != null) {
      return own;
    }
    if (!reference.hasPath(key)) {
      return null;
    }
    ConfigValue d = reference.getValue(key);
    if (d.valueType() == ConfigValueType.NUMBER) {
      return ((Number) d.unwrapped()).doubleValue() >= 0 ? NON_NEGATIVE : null;
    }
    if (d instanceof ConfigList list && !list.isEmpty()) {
      for (ConfigValue item : list) {
        if (item.valueType() != ConfigValueType.NUMBER || ((Number) item.unwrapped()).doubleValue() < 0) {
          return null;
        }
      }
      return NON_NEGATIVE;
    }
    return null;
  }

  /** Seeds, and a source's rating scale and time bounds, may be negative. */
  private static boolean signed(List<String> schema) {
    String last = schema.get(schema.size() - 1);
    if (last.equals("seed") || last.endsWith("-seed")) {
      return true;
    }
    return schema.size() == 3 && schema.get(0).equals("sources") && List.of("rating-min", "rating-max",
        "timestamp-min", "timestamp-max").contains(last);
  }

  private static void require(List<String> p, double v, Bound b, ConfigOrigin origin) {
    if (b.holds(v)) {
      return;
    }
    String where = origin != null && origin.filename() != null
        ? " (" + origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "") + ")" : "";
    String shown = v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    throw new IllegalArgumentException(TallRecConf.ROOT + "." + ConfigUtil.joinPath(p) + " = " + shown
        + " is not allowed: it must be " + b.describe() + where);
  }
}
