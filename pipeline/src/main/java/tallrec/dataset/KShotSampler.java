package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import tallrec.data.Columns;

/**
 * Draws the few-shot training sets of rec-tuning: for each seed, training samples are ranked by a
 * hash of (seed, sample_id) and the first K taken. The draw is thus deterministic for a seed,
 * independent of partitioning, and nested across K (the 16-shot set is inside the 64-shot set),
 * so a curve over K compares like with like.
 */
public final class KShotSampler {

  private KShotSampler() {}

  /** The schema of a K-shot set: samples plus {@code k} and {@code seed}. */
  public static StructType schema(StructType samples) {
    return samples.add(Columns.K, DataTypes.IntegerType, false).add(Columns.SEED, DataTypes.IntegerType, false);
  }

  /**
   * All K-shot sets as one DataFrame with {@code k} and {@code seed} columns. Every seed's largest
   * draw is a top-K over the sample ids alone (a narrow column, not whole samples with their
   * history), all seeds in one pass ({@link #topDraws}); then one pass fetches the drawn samples.
   * Both are small, so they are sliced on the driver.
   */
  public static Dataset<Row> sample(SparkSession spark, Dataset<Row> samples, List<Integer> ks, List<Integer> seeds) {
    Dataset<Row> train = samples.filter(col(Columns.SPLIT).equalTo(SplitName.TRAIN.value()));
    int maxK = ks.stream().mapToInt(Integer::intValue).max().orElse(0);
    StructType schema = schema(samples.schema());
    Map<Integer, List<String>> drawn = new LinkedHashMap<>();
    Set<String> ids = new HashSet<>();
    List<List<Draw>> best = topDraws(train, seeds, maxK);
    for (int i = 0; i < seeds.size(); i++) {
      List<String> ranked = best.get(i).stream().map(Draw::id).toList();
      drawn.put(seeds.get(i), ranked);
      ids.addAll(ranked);
    }
    Map<String, Row> byId = new HashMap<>();
    if (!ids.isEmpty()) {
      for (Row r : train.filter(col(Columns.SAMPLE_ID).isin(ids.toArray())).collectAsList()) {
        byId.put(r.getString(r.fieldIndex(Columns.SAMPLE_ID)), r);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Integer, List<String>> draw : drawn.entrySet()) {
      int seed = draw.getKey();
      List<String> ranked = draw.getValue();
      for (int k : ks) {
        if (k > ranked.size()) {
          throw new IllegalArgumentException("K = " + k + " exceeds the " + ranked.size()
              + " training samples; lower instructions.kshot.k");
        }
        for (String id : ranked.subList(0, k)) {
          Row r = byId.get(id);
          Object[] values = new Object[r.length() + 2];
          for (int i = 0; i < r.length(); i++) {
            values[i] = r.get(i);
          }
          values[r.length()] = k;
          values[r.length() + 1] = seed;
          rows.add(RowFactory.create(values));
        }
      }
    }
    return spark.createDataFrame(rows, schema);
  }

  /** A sample's rank key for one seed: Spark's {@code xxhash64(seed, sample_id)}, ties by id. */
  record Draw(long hash, String id) implements Serializable, Comparable<Draw> {
    @Override
    public int compareTo(Draw o) {
      int c = Long.compare(hash, o.hash);
      // Spark orders strings by their UTF-8 bytes, unsigned.
      return c != 0 ? c : Arrays.compareUnsigned(id.getBytes(StandardCharsets.UTF_8), o.id.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Each seed's {@code maxK} smallest draws, in order, from one pass over the training ids: every
   * partition keeps a bounded heap per seed and the driver merges them. The hashes are Spark's
   * own, so the draws equal an {@code orderBy(xxhash64(seed, sample_id), sample_id).limit(maxK)}
   * per seed, which took a pass over the samples for every seed.
   */
  static List<List<Draw>> topDraws(Dataset<Row> train, List<Integer> seeds, int maxK) {
    List<Column> cols = new ArrayList<>();
    cols.add(col(Columns.SAMPLE_ID));
    for (int seed : seeds) {
      cols.add(xxhash64(lit(seed), col(Columns.SAMPLE_ID)));
    }
    int n = seeds.size();
    List<List<Draw>> perPartition = train.select(cols.toArray(new Column[0])).javaRDD()
        .mapPartitions((FlatMapFunction<Iterator<Row>, List<Draw>>) it -> {
          List<PriorityQueue<Draw>> heaps = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            heaps.add(new PriorityQueue<>(Comparator.reverseOrder()));
          }
          while (it.hasNext()) {
            Row r = it.next();
            for (int i = 0; i < n; i++) {
              offer(heaps.get(i), new Draw(r.getLong(i + 1), r.getString(0)), maxK);
            }
          }
          List<List<Draw>> out = new ArrayList<>();
          for (PriorityQueue<Draw> h : heaps) {
            out.add(new ArrayList<>(h));
          }
          return out.iterator();
        }).collect();
    List<List<Draw>> best = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PriorityQueue<Draw> heap = new PriorityQueue<>(Comparator.reverseOrder());
      for (int p = i; p < perPartition.size(); p += n) {
        for (Draw d : perPartition.get(p)) {
          offer(heap, d, maxK);
        }
      }
      List<Draw> sorted = new ArrayList<>(heap);
      Collections.sort(sorted);
      best.add(sorted);
    }
    return best;
  }

  /** Keeps the {@code maxK} smallest draws in a max-heap. */
  private static void offer(PriorityQueue<Draw> heap, Draw d, int maxK) {
    if (heap.size() < maxK) {
      heap.add(d);
    } else if (maxK > 0 && d.compareTo(heap.peek()) < 0) {
      heap.poll();
      heap.add(d);
    }
  }
}
