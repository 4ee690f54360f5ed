package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/** The generic {@code csv} source: columns by name or 0-based index, ISO dates, quoted fields. */
class CsvSourceTest {

  @TempDir static Path tmp;
  static SparkSession spark;

  @BeforeAll
  static void files() throws Exception {
    spark = LocalSpark.get();
    Files.writeString(tmp.resolve("ratings.csv"), "Stars,Who,What,When\n"
        + "4,\"Doe, Jane\",m1,2020-01-02\n"
        + "2,\"Doe, Jane\",m2,2020-01-03T12:00:00Z\n"
        + "5,bob,\"m,3\",1577923200\n"
        + "3,bob,m1,02/01/2020\n"); // not a date format we read
    Files.writeString(tmp.resolve("items.csv"), "Id,Name,Year\n"
        + "m1,\"Heat, The\",1995\n"
        + "m2,\"Say \"\"Hi\"\"\",\n"
        + "\"m,3\",Plain,1999\n");
  }

  @Test
  void columnsByNameWithIsoDatesAndQuotedDelimiters() {
    TallRecConf conf = TallRecConf.load(null, List.of(
        "sources.csv.columns.user=Who", "sources.csv.columns.item=What", "sources.csv.columns.rating=Stars",
        "sources.csv.columns.timestamp=When", "sources.csv.columns.item-id=Id", "sources.csv.columns.title=Name",
        "sources.csv.columns.year=Year", "ingest.max-malformed-fraction=0.5"), Map.of());
    Path out = tmp.resolve("by-name");
    Ingest.Result r = Stages.ingest(spark, conf, "csv", tmp.toString(), null, null, out);
    assertEquals(3, r.interactions());
    assertEquals(Map.of("bad_timestamp", 1L), r.ratingsRejects());
    List<String> rows = spark.read().parquet(out.resolve("interactions").toString()).orderBy("seq").collectAsList()
        .stream().map(x -> x.getAs("user_id") + "|" + x.getAs("item_id") + "|" + x.getAs("rating") + "|" + x.getAs("ts")).toList();
    assertEquals(List.of("Doe, Jane|m1|4.0|1577923200", "Doe, Jane|m2|2.0|1578052800", "bob|m,3|5.0|1577923200"), rows);
    Row reject = spark.read().parquet(out.resolve("rejects").toString()).first();
    assertEquals(5L, reject.getLong(reject.fieldIndex("line")));
    assertEquals("timestamp is neither unix seconds nor ISO-8601: '02/01/2020'", reject.getAs("detail"));
    List<String> items = spark.read().parquet(out.resolve("items").toString()).orderBy("item_id").collectAsList()
        .stream().map(x -> x.getAs("item_id") + "|" + x.getAs("title") + "|" + x.getAs("year")).toList();
    assertEquals(List.of("m,3|Plain|1999", "m1|Heat, The|1995", "m2|Say \"Hi\"|null"), items);
  }

  @Test
  void columnsByIndexWithoutHeaderOrTime() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("semi"));
    Files.writeString(dir.resolve("r.txt"), "u1;i1;9\nu1;i2;2\nu2;\"i;3\";7\n");
    Files.writeString(dir.resolve("i.txt"), "Book One;Ann Author;i1\nBook Two;;i2\n\"Semi;Colon\";Sam;i;3\n");
    TallRecConf conf = TallRecConf.load(null, List.of("sources.csv.domain=book", "sources.csv.delimiter=\";\"",
        "sources.csv.header=false", "sources.csv.rating-max=10", "sources.csv.columns.user=0", "sources.csv.columns.item=1",
        "sources.csv.columns.rating=2", "sources.csv.columns.timestamp=\"\"", "sources.csv.columns.item-id=2",
        "sources.csv.columns.title=0", "sources.csv.columns.author=1", "ingest.max-malformed-fraction=0.5"), Map.of());
    Path out = tmp.resolve("by-index");
    Ingest.Result r = Stages.ingest(spark, conf, "csv", null, dir.resolve("r.txt").toString(), dir.resolve("i.txt").toString(), out);
    assertEquals(2, r.interactions());
    // "i;3" is quoted in the ratings; unquoted in the items it splits into 4 fields: rejected.
    assertEquals(Map.of("wrong_field_count", 1L), r.itemsRejects());
    assertEquals(Map.of("unknown_item", 1L), r.ratingsRejects());
    List<String> items = spark.read().parquet(out.resolve("items").toString()).orderBy("item_id").collectAsList()
        .stream().map(x -> x.getAs("item_id") + "|" + x.getAs("title") + "|" + x.getAs("author") + "|" + x.getAs("text")).toList();
    assertEquals(List.of("i1|Book One|Ann Author|Book One by Ann Author", "i2|Book Two|null|Book Two"), items);
    assertEquals(0, spark.read().parquet(out.resolve("interactions").toString()).filter("ts IS NOT NULL").count());
    assertEquals(1, spark.read().parquet(out.resolve("interactions").toString()).filter("label = 1").count(),
        "book domain: like means rating > 5");
  }

  @Test
  void badColumnSettingsAreClearErrors() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark,
        TallRecConf.load(null, List.of("sources.csv.columns.user=Nobody"), Map.of()), "csv", tmp.toString(), null, null,
        tmp.resolve("x")));
    assertEquals("Column 'Nobody' (sources.csv.columns.user) not found in the header of " + tmp.resolve("ratings.csv")
        + ": [Stars, Who, What, When]", unknown.getMessage());
    IllegalArgumentException index = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark,
        TallRecConf.load(null, List.of("sources.csv.columns.user=7"), Map.of()), "csv", tmp.toString(), null, null,
        tmp.resolve("x")));
    assertEquals("sources.csv.columns.user = 7 but " + tmp.resolve("ratings.csv") + " has 4 fields", index.getMessage());
    IllegalArgumentException named = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark,
        TallRecConf.load(null, List.of("sources.csv.header=false"), Map.of()), "csv", tmp.toString(), null, null,
        tmp.resolve("x")));
    assertEquals("sources.csv.columns.user names column 'user_id' but sources.csv.header = false; give a 0-based index instead",
        named.getMessage());
    IllegalArgumentException delim = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark,
        TallRecConf.load(null, List.of("sources.csv.delimiter=\";;\""), Map.of()), "csv", tmp.toString(), null, null,
        tmp.resolve("x")));
    assertEquals("sources.csv.delimiter must be one character, got ';;'", delim.getMessage());
  }
}
