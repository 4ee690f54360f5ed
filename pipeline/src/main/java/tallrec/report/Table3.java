package tallrec.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tallrec.eval.SeedSummary;

/**
 * The paper's Table 3 layout over our metrics: one row per method (model, variant), one column per
 * (test domain, K), each cell the mean ± sample std over seeds of the in-domain AUC.
 *
 * <p>Methods that do not train on a K-shot set (K = 0: no training; or one run on the whole training
 * split, reported with K = its size) are <em>K-independent</em>: their one number is shown in every
 * K column of the domain, marked, because a reader compares every method at a given K. A K value
 * is a column when it is shared by two methods or a method has several; with no such K every
 * positive K is one.
 */
public final class Table3 {

  /** A row: a model and its variant ("" for none). */
  public record Method(String model, String variant) implements Comparable<Method> {
    public String label() {
      return variant.isEmpty() ? model : model + " (" + variant + ")";
    }

    @Override
    public int compareTo(Method o) {
      return Comparator.comparing(Method::model).thenComparing(Method::variant).compare(this, o);
    }
  }

  /** A column: test domain and K. */
  public record Column(String domain, int k) {
    public String label() {
      return domain + " K=" + k;
    }
  }

  /** A cell: the seed summary shown, and whether it is a K-independent method's one number. */
  public record Cell(SeedSummary summary, boolean kIndependent) {
    public double mean100() {
      return 100 * summary.mean();
    }

    public double std100() {
      return 100 * summary.std();
    }

    /** "67.24 ± 1.05", or "67.24" with one seed. */
    public String text() {
      return Double.isNaN(summary.std())
          ? String.format(Locale.ROOT, "%.2f", mean100())
          : String.format(Locale.ROOT, "%.2f ± %.2f", mean100(), std100());
    }

    /** The value bold-face compares: what the reader sees. */
    double shown() {
      return Math.round(mean100() * 100) / 100.0;
    }
  }

  private final List<Column> columns;
  private final List<Method> methods;
  private final Map<Method, Map<Column, Cell>> cells;
  private final Map<Method, Map<String, Integer>> kIndependent; // method → domain → its one K

  private Table3(List<Column> columns, List<Method> methods, Map<Method, Map<Column, Cell>> cells,
      Map<Method, Map<String, Integer>> kIndependent) {
    this.columns = columns;
    this.methods = methods;
    this.cells = cells;
    this.kIndependent = kIndependent;
  }

  /** Whether a summary is in-domain (trained on the domain it is tested on, or not trained on any). */
  public static boolean inDomain(SeedSummary s) {
    return s.trainDomain().equals(s.testDomain()) || sawNoRecData(s.trainDomain());
  }

  /**
   * Training domains of runs that saw no recommendation data: none (a heuristic), "none" (icl, the
   * untuned model) and "alpaca" (at, the alpaca adapter alone). Like an untrained heuristic they
   * belong in every domain's column, not in the cross-domain study.
   */
  public static boolean sawNoRecData(String trainDomain) {
    return trainDomain.isEmpty() || trainDomain.equalsIgnoreCase("none") || trainDomain.equalsIgnoreCase("alpaca");
  }

  public static Table3 of(List<SeedSummary> summaries) {
    List<SeedSummary> in = summaries.stream().filter(Table3::inDomain).toList();
    Set<String> domains = new TreeSet<>(DOMAIN_ORDER);
    in.forEach(s -> domains.add(s.testDomain()));
    List<Column> columns = new ArrayList<>();
    Map<Method, Map<Column, Cell>> cells = new TreeMap<>();
    Map<Method, Map<String, Integer>> kIndep = new TreeMap<>();
    for (String d : domains) {
      Map<Method, TreeMap<Integer, SeedSummary>> byMethod = new TreeMap<>();
      for (SeedSummary s : in) {
        if (s.testDomain().equals(d)) {
          byMethod.computeIfAbsent(new Method(s.model(), s.variant()), m -> new TreeMap<>()).put(s.k(), s);
        }
      }
      Set<Integer> kshot = kshotKs(byMethod.values().stream().map(Map::keySet).toList());
      List<Column> dcols = kshot.stream().map(k -> new Column(d, k)).toList();
      if (dcols.isEmpty()) {
        dcols = List.of(new Column(d, 0)); // only untrained methods in this domain
      }
      columns.addAll(dcols);
      for (Map.Entry<Method, TreeMap<Integer, SeedSummary>> e : byMethod.entrySet()) {
        Map<Column, Cell> row = cells.computeIfAbsent(e.getKey(), m -> new LinkedHashMap<>());
        boolean indep = e.getValue().keySet().stream().noneMatch(kshot::contains);
        if (indep) {
          SeedSummary only = e.getValue().lastEntry().getValue(); // one K (several only if each is unshared)
          kIndep.computeIfAbsent(e.getKey(), m -> new TreeMap<>()).put(d, only.k());
          for (Column c : dcols) {
            row.put(c, new Cell(only, true));
          }
        } else {
          for (Column c : dcols) {
            SeedSummary s = e.getValue().get(c.k());
            if (s != null) {
              row.put(c, new Cell(s, false));
            }
          }
        }
      }
    }
    return new Table3(columns, List.copyOf(cells.keySet()), cells, kIndep);
  }

  /** Movie and book first (the paper's order), then other domains alphabetically. */
  static final Comparator<String> DOMAIN_ORDER = Comparator
      .comparingInt((String d) -> d.equals("movie") ? 0 : d.equals("book") ? 1 : 2).thenComparing(d -> d);

  static Set<Integer> kshotKs(List<Set<Integer>> methodKs) {
    Map<Integer, Integer> count = new TreeMap<>();
    Set<Integer> out = new TreeSet<>();
    for (Set<Integer> ks : methodKs) {
      ks.forEach(k -> count.merge(k, 1, Integer::sum));
      if (ks.stream().filter(k -> k > 0).count() > 1) {
        ks.stream().filter(k -> k > 0).forEach(out::add);
      }
    }
    count.forEach((k, n) -> {
      if (k > 0 && n > 1) {
        out.add(k);
      }
    });
    if (out.isEmpty()) {
      methodKs.forEach(ks -> ks.stream().filter(k -> k > 0).forEach(out::add));
    }
    return out;
  }

  public List<Column> columns() {
    return columns;
  }

  public List<Method> methods() {
    return methods;
  }

  public Cell cell(Method m, Column c) {
    return cells.getOrDefault(m, Map.of()).get(c);
  }

  /** The K a K-independent method was run with in a domain, or null when it trains per K. */
  public Integer kIndependentK(Method m, String domain) {
    return kIndependent.getOrDefault(m, Map.of()).get(domain);
  }

  public Set<String> domains() {
    return columns.stream().map(Column::domain).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** The K-shot K values of a domain (its columns; 0 alone when nothing trained per K). */
  public List<Integer> ks(String domain) {
    return columns.stream().filter(c -> c.domain().equals(domain)).map(Column::k).toList();
  }

  /** The best shown value of a column (rounded as displayed), NaN for an empty column. */
  public double best(Column c) {
    return methods.stream().map(m -> cell(m, c)).filter(x -> x != null).mapToDouble(Cell::shown).max().orElse(Double.NaN);
  }

  public boolean isBest(Method m, Column c) {
    Cell x = cell(m, c);
    return x != null && x.shown() == best(c);
  }

  /** A column's cells, best first (ties: method order). */
  public List<Map.Entry<Method, Cell>> ranking(Column c) {
    List<Map.Entry<Method, Cell>> r = new ArrayList<>();
    for (Method m : methods) {
      Cell x = cell(m, c);
      if (x != null) {
        r.add(Map.entry(m, x));
      }
    }
    r.sort(Comparator.comparingDouble((Map.Entry<Method, Cell> e) -> -e.getValue().mean100())
        .thenComparing(Map.Entry::getKey));
    return r;
  }
}
