package tallrec.data;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;
import tallrec.testing.SharedDatasets;
import tallrec.testing.Stages;

/** BookCrossing through the real ingest stage: both ratings variants and the dirty books file. */
class BookCrossingIngestTest {

  @TempDir static Path tmp;
  static SparkSession spark;
  static SharedDatasets.Ingested subset;
  static Path books;
  static Path originalSlice;
  static Ingest.Result original;

  @BeforeAll
  static void ingest() {
    spark = LocalSpark.get();
    books = SharedData.require("data/bookcrossing/BX-Books-subset.csv");
    originalSlice = SharedData.require("data/bookcrossing/BX-Book-Ratings-original-slice.csv");
    subset = SharedDatasets.bookCrossing();
    original = Stages.ingest(spark, TallRecConf.defaults(), "bookcrossing", null, originalSlice.toString(),
        books.toString(), tmp.resolve("original"));
  }

  private static Dataset<Row> read(Path dataset, String name) {
    return spark.read().parquet(dataset.resolve(name).toString());
  }

  @Test
  void subsetRatingsAndBooksAreAllAccountedFor() {
    Ingest.Result r = subset.result();
    // 77,756 ratings: 76,490 of books in the books file, 1,266 of ISBNs it lacks.
    assertEquals(76_490, r.interactions());
    assertEquals(Map.of("unknown_item", 1_266L), r.ratingsRejects());
    assertEquals(77_756, r.interactions() + r.ratingsRejects().values().stream().mapToLong(Long::longValue).sum());
    // 15,780 books: all parsed, the 594 with 9-10 fields recovered, none rejected.
    assertEquals(15_780, r.items());
    assertEquals(594, r.recoveredItems());
    assertEquals(Map.of(), r.itemsRejects());
    assertEquals(1_266, r.rejects());

    Dataset<Row> interactions = read(subset.dir(), "interactions");
    // 12,324 users rated; 30 of them rated only ISBNs missing from the books file.
    assertEquals(12_294, interactions.select("user_id").distinct().count());
    assertEquals(0, interactions.filter(col("ts").isNotNull()).count(), "BookCrossing has no timestamps");
    assertEquals(0, interactions.filter("rating < 1 OR rating > 10").count());
    assertEquals(0, interactions.filter("(rating > 5 AND label != 1) OR (rating <= 5 AND label != 0)").count(),
        "book like rule: rating > 5");
  }

  @Test
  void recoveredTitlesAndPublishersAreExact() {
    Dataset<Row> items = read(subset.dir(), "items");
    Row angels = items.filter(col("item_id").equalTo("0743486226")).first();
    assertEquals("Angels & Demons", angels.getAs("title"));
    assertEquals("Dan Brown", angels.getAs("author"));
    assertEquals(2003, (int) angels.getAs("year"));
    assertEquals("Angels & Demons by Dan Brown", angels.getAs("text"));
    Row pitt = items.filter(col("item_id").equalTo("034544003X")).first();
    assertEquals("Southampton Row (Charlotte & Thomas Pitt Novels (Hardcover))", pitt.getAs("title"));
    assertEquals("Anne Perry", pitt.getAs("author"));
    Row coast = items.filter(col("item_id").equalTo("0684845768")).first();
    assertEquals("COAST ROAD : A NOVEL", coast.getAs("title"));
    assertEquals("Barbara Delinsky", coast.getAs("author"));
    assertEquals(0, items.filter(col("title").contains("&amp;")).count());
    assertEquals(15_780, items.select("item_id").distinct().count());
  }

  @Test
  void rejectsNameFileLineAndReason() {
    Dataset<Row> rejects = read(subset.dir(), "rejects");
    assertEquals(1_266, rejects.count());
    Row first = rejects.orderBy("line").first();
    assertEquals("ratings", first.getAs("source"));
    assertTrue(first.<String>getAs("file").endsWith("BX-Book-Ratings-subset.csv"), first.<String>getAs("file"));
    assertEquals("unknown_item", first.getAs("reason"));
    assertTrue(first.<String>getAs("detail").matches("item '[0-9X]+' is not in the items file"), first.<String>getAs("detail"));
    assertTrue(first.getLong(first.fieldIndex("line")) >= 2, "line 1 is the header");
    assertEquals(1_266, rejects.select("line").distinct().count(), "one reject per line");
  }

  @Test
  void originalFormatLoadsWithImplicitRatingsKept() throws Exception {
    // 39,268 quoted CR LF lines without a header (the last one without a line end).
    long lines = Files.readAllLines(originalSlice, StandardCharsets.ISO_8859_1).size();
    assertEquals(39_268, lines);
    assertEquals(17_496, original.interactions());
    assertEquals(Map.of("unknown_item", 21_772L), original.ratingsRejects());
    assertEquals(lines, original.interactions() + original.rejects());
    Dataset<Row> interactions = read(tmp.resolve("original"), "interactions");
    assertTrue(interactions.filter("rating = 0").count() > 0, "implicit 0 ratings are kept by default");
    assertEquals(0, interactions.filter("rating = 0 AND label != 0").count(), "an implicit rating is a dislike");
    // Line 1 is data, not a header: it is an interaction or a reject.
    assertEquals(1, interactions.filter("seq = 1").count() + read(tmp.resolve("original"), "rejects").filter("line = 1").count());
    assertEquals(0, interactions.filter(col("user_id").contains("\"").or(col("item_id").contains("\""))).count(),
        "quotes are stripped");
  }

  @Test
  void implicitRatingsAreRejectedWhenNotKeptAndTheLastOfARepeatedPairWins() throws Exception {
    Path ratings = tmp.resolve("implicit.csv");
    Files.write(ratings, ("\"1\";\"0743486226\";\"0\"\r\n\"1\";\"0425115801\";\"8\"\r\n"
        + "\"2\";\"0743486226\";\"3\"\r\n\"2\";\"0425115801\";\"0\"\r\n"
        + "\"1\";\"0425115801\";\"6\"").getBytes(StandardCharsets.ISO_8859_1));
    TallRecConf conf = TallRecConf.load(null, List.of("sources.bookcrossing.keep-implicit=false",
        "ingest.max-malformed-fraction=0.5"), Map.of());
    Path out = tmp.resolve("explicit");
    Ingest.Result r = Stages.ingest(spark, conf, "bookcrossing", null, ratings.toString(), books.toString(), out);
    assertEquals(2, r.interactions());
    assertEquals(Map.of("implicit_rating", 2L, "duplicate_pair", 1L), r.ratingsRejects());
    List<Row> rejects = read(out, "rejects").orderBy("line").collectAsList();
    assertEquals(List.of("1 implicit_rating implicit rating 0 dropped (bookcrossing.keep-implicit = false)",
        "2 duplicate_pair user '1' rated item '0425115801' again later; the latest rating is kept",
        "4 implicit_rating implicit rating 0 dropped (bookcrossing.keep-implicit = false)"),
        rejects.stream().map(x -> x.getLong(x.fieldIndex("line")) + " " + x.getAs("reason") + " " + x.getAs("detail")).toList());
    for (Row x : rejects) {
      assertEquals(ratings.toString(), x.getAs("file"));
    }
    assertEquals("\"1\";\"0743486226\";\"0\"", rejects.get(0).getAs("raw"), "raw line without its CR LF");
    // No timestamps: the later line of a repeated pair is the latest.
    List<String> kept = read(out, "interactions").orderBy("seq").collectAsList().stream()
        .map(x -> x.getAs("user_id") + "/" + x.getAs("item_id") + "=" + x.getAs("rating") + " line " + x.getAs("seq")).toList();
    assertEquals(List.of("2/0743486226=3.0 line 3", "1/0425115801=6.0 line 5"), kept);
  }
}
