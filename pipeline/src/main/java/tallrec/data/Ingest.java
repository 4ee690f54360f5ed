package tallrec.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import tallrec.conf.Domains;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * The {@code ingest} stage: raw ratings + item files → {@code interactions}, {@code items},
 * {@code rejects} (Parquet) under one dataset directory, committed together or not at all.
 *
 * <p>Rules: a line that cannot be parsed is rejected with its reason; a rating of an item absent
 * from the items file is rejected as {@code unknown_item}; of a repeated user–item pair only the
 * latest rating is kept (largest timestamp, then last in the file), the others are rejected as
 * {@code duplicate_pair}. The job fails, writing nothing, when the share of malformed lines in
 * either file exceeds {@link Settings#maxMalformedFraction()}.
 */
public final class Ingest {

  public static final String STAGE = "ingest";

  /** Stage settings, from {@code tallrec.ingest} and the domain's like threshold. */
  public record Settings(double maxMalformedFraction, boolean unknownItemsAreMalformed, double likeThreshold) {

    /** Share of a file's rows that may be malformed before the stage fails, writing nothing. */
    public static final String MAX_MALFORMED_FRACTION = "max-malformed-fraction";
    /** Whether a rating of an item missing from the items file is a reject (false: reported only). */
    public static final String UNKNOWN_ITEMS_ARE_MALFORMED = "unknown-items-are-malformed";

    /** The section these settings are read from. */
    public static final String SECTION = "ingest";

    public Settings {
      if (!(maxMalformedFraction >= 0 && maxMalformedFraction <= 1)) {
        throw new IllegalArgumentException("tallrec.ingest." + MAX_MALFORMED_FRACTION + " must be within [0, 1], got "
            + maxMalformedFraction);
      }
    }

    /** The stage's settings for a source of {@code domain}: the {@code ingest} section and the domain's like rule. */
    public static Settings from(TallRecConf conf, String domain) {
      Section c = Section.of(conf, SECTION);
      return new Settings(c.getDouble(MAX_MALFORMED_FRACTION), c.getBoolean(UNKNOWN_ITEMS_ARE_MALFORMED),
          Domains.from(conf).require(domain).likeThreshold());
    }
  }

  /** What the stage wrote. */
  public record Result(Path out, long interactions, long items, long rejects, long recoveredItems,
      Map<String, Long> ratingsRejects, Map<String, Long> itemsRejects) {}

  private static final StructType RATING_OUTCOME = DataTypes.createStructType(List.of(
      DataTypes.createStructField(Columns.FILE, DataTypes.StringType, false),
      DataTypes.createStructField(Columns.LINE, DataTypes.LongType, false),
      DataTypes.createStructField(Columns.USER_ID, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.ITEM_ID, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.RATING, DataTypes.DoubleType, true),
      DataTypes.createStructField(Columns.TS, DataTypes.LongType, true),
      DataTypes.createStructField(Columns.REASON, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.DETAIL, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.RAW, DataTypes.StringType, true)));

  private static final StructType ITEM_OUTCOME = DataTypes.createStructType(List.of(
      DataTypes.createStructField(Columns.FILE, DataTypes.StringType, false),
      DataTypes.createStructField(Columns.LINE, DataTypes.LongType, false),
      DataTypes.createStructField(Columns.ITEM_ID, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.TITLE, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.AUTHOR, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.YEAR, DataTypes.IntegerType, true),
      DataTypes.createStructField("recovered", DataTypes.BooleanType, false),
      DataTypes.createStructField(Columns.REASON, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.DETAIL, DataTypes.StringType, true),
      DataTypes.createStructField(Columns.RAW, DataTypes.StringType, true)));

  private Ingest() {}

  /** Resolves the source and its settings from {@code conf}, then runs the stage. */
  public static Result run(SparkSession spark, TallRecConf conf, String source, String inputDir,
      String ratingsFile, String itemsFile, Path out) {
    RawSource raw = RawSources.resolve(source, conf.section("sources"), inputDir, ratingsFile, itemsFile,
        spark.sparkContext().hadoopConfiguration());
    return run(spark, raw, Settings.from(conf, raw.domain()), out, conf.renderJson(""));
  }

  public static Result run(SparkSession spark, RawSource source, Settings settings, Path out, String configJson) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    // Check both inputs before any Spark work, so a typo fails in a second, naming the path.
    Fs.requireNonEmptyFile(new Path(source.ratingsPath()), hadoop, "Ratings file");
    Fs.requireNonEmptyFile(new Path(source.itemsPath()), hadoop, "Items file");

    // Numbering lines (zipWithIndex) runs a job per file before anything is parsed.
    spark.sparkContext().setJobDescription("ingest: number lines");
    ItemsFormat itemsFormat = source.itemsFormat();
    JavaRDD<Row> itemRows = RawLines.read(spark, source.itemsPath(), source.itemsCharset(), "Items file")
        .map(l -> itemsFormat.parse(l)).filter(r -> r != null).map(r -> itemRow(r));
    Dataset<Row> parsedItems = spark.createDataFrame(itemRows, ITEM_OUTCOME).persist(StorageLevel.MEMORY_AND_DISK());

    RatingsFormat ratingsFormat = source.ratingsFormat();
    // Counted while the interactions are written, so that clean ratings need no second parse to
    // find their (empty) rejects; see `clean` below.
    LongAccumulator parsedOk = spark.sparkContext().longAccumulator("ingest: ratings parsed");
    LongAccumulator parsedRejected = spark.sparkContext().longAccumulator("ingest: ratings rejected by the parser");
    JavaRDD<Row> ratingRows = RawLines.read(spark, source.ratingsPath(), source.ratingsCharset(), "Ratings file")
        .map(l -> ratingsFormat.parse(l)).filter(r -> r != null).map(r -> {
          (r.rejected() ? parsedRejected : parsedOk).add(1);
          return ratingRow(r);
        });
    // Not cached: parsing again costs less than building Spark's in-memory columns for every
    // rating with its raw line (a JFR profile on 1 M ratings: building the cached columns was 18% of
    // all samples, in a variant that also cached the duplicate-pair window).
    // Lines were numbered once (zipWithIndex), so every pass sees the same records.
    Dataset<Row> parsedRatings = spark.createDataFrame(ratingRows, RATING_OUTCOME);

    try (StagedCommit commit = StagedCommit.begin(hadoop, out, STAGE)) {
      // Items: the first record of an id wins; later ones are duplicates.
      Dataset<Row> itemsOk = parsedItems.filter(col(Columns.REASON).isNull())
          .withColumn("_rank", row_number().over(Window.partitionBy(Columns.ITEM_ID).orderBy(Columns.LINE)));
      Dataset<Row> items = itemsOk.filter(col("_rank").equalTo(1))
          .select(col(Columns.ITEM_ID), col(Columns.TITLE), col(Columns.AUTHOR), col(Columns.YEAR),
              itemText(source.domain()).as(Columns.TEXT));
      Dataset<Row> itemRejects = parsedItems.filter(col(Columns.REASON).isNotNull())
          .select(lit("items").as(Columns.SOURCE), col(Columns.FILE), col(Columns.LINE), col(Columns.REASON),
          col(Columns.DETAIL), col(Columns.RAW))
          .unionByName(itemsOk.filter(col("_rank").gt(1))
              .select(lit("items").as(Columns.SOURCE), col(Columns.FILE), col(Columns.LINE),
                  lit(RejectReason.DUPLICATE_ITEM.code()).as(Columns.REASON),
                  concat(lit("item id '"), col(Columns.ITEM_ID), lit("' already defined earlier in the file"))
                      .as(Columns.DETAIL),
                  col(Columns.RAW)));

      // Ratings: drop unknown items, then keep the latest rating of each user–item pair.
      Dataset<Row> ratingsOk = parsedRatings.filter(col(Columns.REASON).isNull());
      Dataset<Row> knownIds = items.select(Columns.ITEM_ID);
      Dataset<Row> known = ratingsOk.join(knownIds, ratingsOk.col(Columns.ITEM_ID)
          .equalTo(knownIds.col(Columns.ITEM_ID)), "left_semi");
      // Every rating marked known or not, so the rejects (malformed and unknown-item lines) take one pass.
      Dataset<Row> knownMarks = items.select(col(Columns.ITEM_ID).as("_known"));
      Dataset<Row> marked = parsedRatings.join(knownMarks, parsedRatings.col(Columns.ITEM_ID)
          .equalTo(knownMarks.col("_known")), "left");
      Dataset<Row> ranked = known.withColumn("_rank", row_number().over(
          Window.partitionBy(Columns.USER_ID, Columns.ITEM_ID).orderBy(col(Columns.TS).desc_nulls_last(),
              col(Columns.LINE).desc())));
      Dataset<Row> interactions = ranked.filter(col("_rank").equalTo(1))
          .select(col(Columns.USER_ID), col(Columns.ITEM_ID), col(Columns.RATING), col(Columns.TS),
              col(Columns.LINE).as(Columns.SEQ),
              when(col(Columns.RATING).gt(settings.likeThreshold()), 1).otherwise(0).as(Columns.LABEL));
      Column malformed = col(Columns.REASON).isNotNull();
      Dataset<Row> ratingRejects = marked.filter(malformed.or(col("_known").isNull()))
          .select(lit("ratings").as(Columns.SOURCE), col(Columns.FILE), col(Columns.LINE),
              when(malformed, col(Columns.REASON)).otherwise(lit(RejectReason.UNKNOWN_ITEM.code())).as(Columns.REASON),
              when(malformed, col(Columns.DETAIL))
                  .otherwise(concat(lit("item '"), col(Columns.ITEM_ID), lit("' is not in the items file")))
                  .as(Columns.DETAIL),
              col(Columns.RAW));

      // Each phase names its jobs, for the Spark UI and `bench dataset --profile`; parsing is lazy,
      // so it is counted in the jobs of each phase that reads the ratings.
      spark.sparkContext().setJobDescription("ingest: parse, write interactions");
      interactions.write().mode(SaveMode.ErrorIfExists).parquet(commit.staging("interactions").toString());
      long nInteractions = spark.read().parquet(commit.staging("interactions").toString()).count();
      // Every parsed rating became an interaction: no malformed line, unknown item or duplicate
      // pair, so the ratings have no rejects and are not parsed again to find them. Accumulators
      // in a transformation may count a re-executed task twice but never miss a successful one:
      // an overcount only sends clean input down the full path below.
      boolean clean = parsedRejected.value() == 0 && parsedOk.value() == nInteractions;
      // Duplicate pairs are the known ratings that did not become interactions. Only when there
      // are some is the user-item window run again to name them: usually there are none, and
      // that window is a shuffle of every rating.
      spark.sparkContext().setJobDescription("ingest: count known ratings");
      if (clean) {
        ratingRejects = spark.createDataFrame(List.<Row>of(), ratingRejects.schema());
      } else if (known.count() > nInteractions) {
        ratingRejects = ratingRejects.unionByName(ranked.filter(col("_rank").gt(1)).select(lit("ratings").as(Columns.SOURCE),
            col(Columns.FILE), col(Columns.LINE),
            lit(RejectReason.DUPLICATE_PAIR.code()).as(Columns.REASON),
            concat(lit("user '"), col(Columns.USER_ID), lit("' rated item '"), col(Columns.ITEM_ID),
                lit("' again later; the latest rating is kept")).as(Columns.DETAIL),
            col(Columns.RAW)));
      }
      spark.sparkContext().setJobDescription("ingest: write items");
      items.write().mode(SaveMode.ErrorIfExists).parquet(commit.staging("items").toString());
      spark.sparkContext().setJobDescription("ingest: write rejects");
      // One sorted file, in line order. Not orderBy: its range partitioner samples the input
      // first, which parsed every rating one more time for a usually empty table.
      itemRejects.unionByName(ratingRejects).repartition(1).sortWithinPartitions(Columns.SOURCE, Columns.FILE,
          Columns.LINE)
          .write().mode(SaveMode.ErrorIfExists).parquet(commit.staging("rejects").toString());
      spark.sparkContext().setJobDescription("ingest: counts");

      // Counts come from what was written (cheap: small reject table, Parquet footers).
      Dataset<Row> writtenRejects = spark.read().parquet(commit.staging("rejects").toString());
      Map<String, Long> ratingReasons = countByReason(writtenRejects, "ratings");
      Map<String, Long> itemReasons = countByReason(writtenRejects, "items");
      long nItems = spark.read().parquet(commit.staging("items").toString()).count();
      long nRecovered = parsedItems.filter(col("recovered")).count();
      long nRejects = ratingReasons.values().stream().mapToLong(Long::longValue).sum()
          + itemReasons.values().stream().mapToLong(Long::longValue).sum();

      checkMalformed("Ratings file " + source.ratingsPath(), ratingReasons,
          nInteractions + dataRejects(ratingReasons), settings, writtenRejects, "ratings");
      checkMalformed("Items file " + source.itemsPath(), itemReasons,
          nItems + dataRejects(itemReasons), settings, writtenRejects, "items");

      Manifest manifest = new Manifest(STAGE)
          .inputFile("ratings", new Path(source.ratingsPath()), hadoop)
          .inputFile("items", new Path(source.itemsPath()), hadoop)
          .config(configJson)
          .property("source", source.name())
          .property("domain", source.domain())
          .rows("interactions", nInteractions)
          .rows("items", nItems)
          .rows("rejects", nRejects);
      commit.commit(manifest);
      return new Result(out, nInteractions, nItems, nRejects, nRecovered, ratingReasons, itemReasons);
    } finally {
      parsedItems.unpersist();
    }
  }

  /** The item text used for embeddings and display: the title, and the author for books. */
  private static Column itemText(String domain) {
    if (!"book".equals(domain)) {
      return col(Columns.TITLE);
    }
    return when(col(Columns.AUTHOR).isNotNull(), concat(col(Columns.TITLE), lit(" by "), col(Columns.AUTHOR)))
        .otherwise(col(Columns.TITLE));
  }

  /** Rejected data lines: every reject but blank lines (recorded, yet no data line). */
  private static long dataRejects(Map<String, Long> m) {
    return m.entrySet().stream().filter(e -> !e.getKey().equals(RejectReason.BLANK_LINE.code()))
        .mapToLong(Map.Entry::getValue).sum();
  }

  private static Map<String, Long> countByReason(Dataset<Row> rejects, String source) {
    Map<String, Long> out = new TreeMap<>();
    for (Row r : rejects.filter(col(Columns.SOURCE).equalTo(source)).groupBy(Columns.REASON).count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  private static void checkMalformed(String what, Map<String, Long> reasons, long lines, Settings s,
      Dataset<Row> rejects, String source) {
    List<String> counted = new ArrayList<>();
    long malformed = 0;
    for (Map.Entry<String, Long> e : reasons.entrySet()) {
      RejectReason r = RejectReason.ofCode(e.getKey());
      if (r.malformed() || (r == RejectReason.UNKNOWN_ITEM && s.unknownItemsAreMalformed())) {
        malformed += e.getValue();
        counted.add(e.getKey());
      }
    }
    if (lines == 0) {
      throw new IllegalArgumentException(what + " has no data lines");
    }
    double share = (double) malformed / lines;
    if (share > s.maxMalformedFraction()) {
      StringBuilder examples = new StringBuilder();
      for (Row r : rejects.filter(col(Columns.SOURCE).equalTo(source).and(col(Columns.REASON).isin(counted.toArray())))
          .orderBy(Columns.LINE).limit(5).collectAsList()) {
        examples.append("\n  line ").append(r.getLong(2)).append(": ").append(r.getString(3))
            .append(" (").append(r.getString(4)).append(')');
      }
      throw new IllegalArgumentException(String.format(
          "%s: %d of %d rows (%.2f%%) are malformed, above the bound ingest.max-malformed-fraction = %s; nothing was written. First ones:%s",
          what, malformed, lines, 100.0 * share, s.maxMalformedFraction(), examples));
    }
  }

  // Lambdas, not method references, feed these to Spark: serialized method references of the
  // same target method with different generic types (Objects::nonNull on ratings and on items)
  // deserialize to one instance, whose cast then fails on executors (a javac limitation).
  private static Row ratingRow(RatingRecord r) {
    return RowFactory.create(r.file(), r.line(), r.userId(), r.itemId(),
        r.rejected() ? null : r.rating(), r.ts(),
        r.reason() == null ? null : r.reason().code(), r.detail(), r.raw());
  }

  private static Row itemRow(ItemRecord r) {
    return RowFactory.create(r.file(), r.line(), r.itemId(), r.title(), r.author(), r.year(),
        r.recovered(), r.reason() == null ? null : r.reason().code(), r.detail(), r.raw());
  }
}
