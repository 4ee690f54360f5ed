package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Refuses settings under {@code tallrec.} that the library does not know: a typo such as
 * {@code ingest.max-malformd-fraction} would otherwise be ignored and the default silently used.
 * The error names the key, where it was set (file and line, or {@code --set}) and the closest
 * known key.
 *
 * <p>The schema is {@code reference.conf}. Some sections take the settings of another under a new
 * name, and are checked against that one: {@code demo.experiment} and each {@code grid.NAME} are
 * experiments; an experiment's {@code alpaca.tune} and {@code rec-tuning.tune} are {@code tune},
 * its {@code score} is {@code score}, its {@code baselines} are {@code baselines} (plus
 * {@code enabled}). Sections whose keys are names the user chooses stay open:
 * {@code experiment.datasets} and {@code domains}.
 */
final class KnownKeys {

  private final Config reference;

  KnownKeys(Config resolvedReference) {
    this.reference = resolvedReference.getConfig(TallRecConf.ROOT);
  }

  /** Checks every leaf of {@code user} (a whole config, keys starting with {@code tallrec.}). */
  void check(Config user, String source) {
    // root(), not hasPath/getObject: those need a resolved config, and a user file may refer to
    // settings it does not define (${tallrec.tune.lr}).
    if (user.root().get(TallRecConf.ROOT) instanceof ConfigObject root) {
      walk(root, new ArrayList<>(), source);
    }
  }

  private void walk(ConfigObject obj, List<String> path, String source) {
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey());
      List<String> schema = schemaPath(p);
      if (schema == null) {
        continue; // an open section
      }
      String key = ConfigUtil.joinPath(schema);
      if (!known(key)) {
        throw unknown(p, schema, e.getValue().origin(), source);
      }
      if (e.getValue() instanceof ConfigObject child) {
        if (isObject(key)) {
          walk(child, p, source);
        } else if (!reference.getIsNull(key) && !child.isEmpty()) {
          // "spark.master.x": below a plain value nothing is a setting.
          String first = child.keySet().iterator().next();
          List<String> deeper = new ArrayList<>(p);
          deeper.add(first);
          List<String> deeperSchema = new ArrayList<>(schema);
          deeperSchema.add(first);
          throw unknown(deeper, deeperSchema, child.get(first).origin(), source);
        }
      }
    }
  }

  private boolean known(String key) {
    try {
      return reference.hasPathOrNull(key);
    } catch (ConfigException e) {
      return false; // a path through a plain value ("spark.master.x")
    }
  }

  private boolean isObject(String key) {
    return !reference.getIsNull(key) && reference.getValue(key) instanceof ConfigObject;
  }

  /**
   * Where {@code p} (below {@code tallrec}) is described in reference.conf, or null when it lies in
   * an open section.
   */
  static List<String> schemaPath(List<String> p) {
    List<String> s = new ArrayList<>(p);
    if (starts(s, "demo", "experiment")) {
      s = join(List.of("experiment"), s.subList(2, s.size()));
    } else if (starts(s, "grid") && s.size() >= 2) {
      s = join(List.of("experiment"), s.subList(2, s.size()));
    }
    if (starts(s, "experiment", "datasets") && s.size() > 2 || starts(s, "domains") && s.size() > 1) {
      return null;
    }
    if (starts(s, "experiment", "alpaca", "tune") && s.size() > 3) {
      return join(List.of("tune"), s.subList(3, s.size()));
    }
    if (starts(s, "experiment", "rec-tuning", "tune") && s.size() > 3) {
      return join(List.of("tune"), s.subList(3, s.size()));
    }
    if (starts(s, "experiment", "score") && s.size() > 2) {
      return join(List.of("score"), s.subList(2, s.size()));
    }
    if (starts(s, "experiment", "baselines") && s.size() > 2 && !s.get(2).equals("enabled")) {
      return join(List.of("baselines"), s.subList(2, s.size()));
    }
    return s;
  }

  private IllegalArgumentException unknown(List<String> p, List<String> schema, ConfigOrigin origin, String source) {
    String where = source;
    if (origin != null && origin.filename() != null) {
      where = origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "");
    }
    String closest = closest(schema);
    String shown = TallRecConf.ROOT + "." + ConfigUtil.joinPath(p);
    return new IllegalArgumentException("unknown setting '" + shown + "' (" + where + ")"
        + (closest == null ? "" : "; closest known: '" + TallRecConf.ROOT + "." + inUserTerms(p, schema, closest)
            + "'") + "; see pipeline/src/main/resources/reference.conf");
  }

  /** The known key nearest to {@code schema}: at the deepest level that exists, the closest name. */
  private String closest(List<String> schema) {
    int depth = schema.size() - 1;
    while (depth > 0 && !(known(ConfigUtil.joinPath(schema.subList(0, depth)))
        && isObject(ConfigUtil.joinPath(schema.subList(0, depth))))) {
      depth--;
    }
    ConfigObject parent = depth == 0 ? reference.root()
        : (ConfigObject) reference.getValue(ConfigUtil.joinPath(schema.subList(0, depth)));
    String wanted = schema.get(depth);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String name : parent.keySet()) {
      int d = distance(wanted, name);
      if (d < bestDistance) {
        bestDistance = d;
        best = name;
      }
    }
    if (best == null) {
      return null;
    }
    List<String> out = new ArrayList<>(schema.subList(0, depth));
    out.add(best);
    return ConfigUtil.joinPath(out);
  }

  /** {@code closest} (a schema key) under the user's own prefix (demo.experiment..., grid.NAME...). */
  private static String inUserTerms(List<String> user, List<String> schema, String closest) {
    int common = 0;
    while (common < Math.min(user.size(), schema.size())
        && user.get(user.size() - 1 - common).equals(schema.get(schema.size() - 1 - common))) {
      common++;
    }
    List<String> prefix = user.subList(0, user.size() - common);
    List<String> schemaPrefix = schema.subList(0, schema.size() - common);
    List<String> c = ConfigUtil.splitPath(closest);
    if (c.size() >= schemaPrefix.size() && c.subList(0, schemaPrefix.size()).equals(schemaPrefix)) {
      return ConfigUtil.joinPath(join(prefix, c.subList(schemaPrefix.size(), c.size())));
    }
    return closest;
  }

  private static boolean starts(List<String> p, String... prefix) {
    if (p.size() < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (!p.get(i).equals(prefix[i])) {
        return false;
      }
    }
    return true;
  }

  private static List<String> join(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
