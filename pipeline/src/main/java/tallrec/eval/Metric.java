package tallrec.eval;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import tallrec.data.Columns;

/**
 * One row of {@code metrics}: the AUC of one model run (model, variant, training domain, K, seed)
 * on one test domain, with the group's size and number of positives.
 */
public record Metric(String model, String variant, String trainDomain, String testDomain, int k, int seed,
    double auc, long n, long nPos) {

  /** The row in {@link tallrec.data.Schemas#METRICS} column order. */
  public Row toRow() {
    return RowFactory.create(model, variant, trainDomain, testDomain, k, seed, auc, n, nPos);
  }

  /** A row of {@link tallrec.data.Schemas#METRICS} (columns by name, so any column order reads). */
  public static Metric fromRow(Row r) {
    return new Metric(r.getAs(Columns.MODEL), r.getAs(Columns.VARIANT), r.getAs(Columns.TRAIN_DOMAIN),
        r.getAs(Columns.TEST_DOMAIN),
        r.<Integer>getAs(Columns.K), r.<Integer>getAs(Columns.SEED), r.<Double>getAs(Columns.AUC),
        r.<Long>getAs(Columns.N), r.<Long>getAs(Columns.N_POS));
  }

  /** The group this metric was computed on, for messages. */
  public String group() {
    return describe(model, variant, trainDomain, testDomain, k, seed);
  }

  static String describe(String model, String variant, String trainDomain, String testDomain, int k, int seed) {
    return "model=" + model + (variant.isEmpty() ? "" : ", variant=" + variant) + ", train_domain=" + trainDomain
        + ", test_domain=" + testDomain + ", k=" + k + ", seed=" + seed;
  }
}
