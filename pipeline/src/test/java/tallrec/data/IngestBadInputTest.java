package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/**
 * Bad input through the real ingest stage, on small hand-made MovieLens-format files: every bad
 * row is a reject with its exact reason and line, and a job that fails writes nothing.
 */
class IngestBadInputTest {

  static final String FLAGS = "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";

  @TempDir static Path tmp;
  static SparkSession spark;
  static Path raw;
  static Path dataset;
  static Ingest.Result result;
  static final TallRecConf LENIENT = TallRecConf.load(null, List.of("ingest.max-malformed-fraction=0.5"), Map.of());

  @BeforeAll
  static void ingestDirtyFiles() throws Exception {
    spark = LocalSpark.get();
    raw = Files.createDirectories(tmp.resolve("raw"));
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.writeBytes(("1\t1\t5\t100\n" // 1 kept
        + "1\t2\t3\t200\n" // 2 kept
        + "1\t3\n" // 3 truncated
        ).getBytes(StandardCharsets.UTF_8));
    data.writeBytes(new byte[] {'1', '\t', '4', '\t', '4', '\t', '3', '0', '0', (byte) 0xE9, '\n'}); // 4 bad UTF-8
    data.writeBytes(("2\t1\t6\t300\n" // 5 out of range
        + "2\t99\t4\t300\n" // 6 unknown item
        + "1\t1\t2\t50\n" // 7 older rating of (1,1): duplicate
        + "2\t2\t4\t400\n" // 8 older rating of (2,2): duplicate
        + "2\t2\t1\t500\n" // 9 kept (latest)
        + "3\t1\t4\t600\n" // 10 kept
        + "3\t2\t4").getBytes(StandardCharsets.UTF_8)); // 11 truncated last line, no line end
    Files.write(raw.resolve("u.data"), data.toByteArray());
    Files.write(raw.resolve("u.item"), ("1|Toy Story (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "2|GoldenEye (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "3|Misérables, Les (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "4|Four Rooms (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "5|Copycat (1995)|01-Jan-1995||u" + FLAGS + "\n"
        + "6|Short\n"
        + "1|Toy Story again (1995)|01-Jan-1995||u" + FLAGS + "\n").getBytes(StandardCharsets.ISO_8859_1));
    dataset = tmp.resolve("ds");
    result = Stages.ingest(spark, LENIENT, "movielens100k", raw.toString(), null, null, dataset);
  }

  private static List<Row> rejects(String source) {
    return spark.read().parquet(dataset.resolve("rejects").toString())
        .filter("source = '" + source + "'").orderBy("line").collectAsList();
  }

  private static String describe(Row r) {
    return r.getLong(r.fieldIndex("line")) + " " + r.getString(r.fieldIndex("reason")) + " " + r.getString(r.fieldIndex("detail"));
  }

  @Test
  void everyBadRatingLineIsRejectedWithItsReason() {
    assertEquals(List.of(
        "3 wrong_field_count expected 4 tab-separated fields, found 2",
        "4 bad_encoding bytes are not valid in the declared charset",
        "5 rating_out_of_range rating 6 outside [1, 5]",
        "6 unknown_item item '99' is not in the items file",
        "7 duplicate_pair user '1' rated item '1' again later; the latest rating is kept",
        "8 duplicate_pair user '2' rated item '2' again later; the latest rating is kept",
        "11 wrong_field_count expected 4 tab-separated fields, found 3"),
        rejects("ratings").stream().map(IngestBadInputTest::describe).toList());
    Row encoding = rejects("ratings").get(1);
    assertEquals("1\t4\t4\t300\u00e9", encoding.getAs("raw"), "raw bytes kept losslessly");
    assertEquals(raw.resolve("u.data").toString(), encoding.getAs("file"));
    assertEquals(Map.of("wrong_field_count", 2L, "bad_encoding", 1L, "rating_out_of_range", 1L, "unknown_item", 1L,
        "duplicate_pair", 2L), result.ratingsRejects());
    // Rejects found after parsing (unknown item, older duplicate) keep their line too.
    assertEquals("2\t99\t4\t300", rejects("ratings").get(3).getAs("raw"));
    assertEquals("1\t1\t2\t50", rejects("ratings").get(4).getAs("raw"));
    for (String source : List.of("ratings", "items")) {
      for (Row r : rejects(source)) {
        assertTrue(r.getAs("raw") != null, "raw missing: " + describe(r));
      }
    }
  }

  @Test
  void latestRatingOfARepeatedPairIsKept() {
    List<String> kept = spark.read().parquet(dataset.resolve("interactions").toString()).orderBy("seq").collectAsList()
        .stream().map(r -> r.getAs("user_id") + "/" + r.getAs("item_id") + "=" + r.getAs("rating") + "@" + r.getAs("ts")
            + " seq " + r.getAs("seq") + " label " + r.getAs("label")).toList();
    assertEquals(List.of("1/1=5.0@100 seq 1 label 1", "1/2=3.0@200 seq 2 label 0", "2/2=1.0@500 seq 9 label 0",
        "3/1=4.0@600 seq 10 label 1"), kept);
    assertEquals(11, result.interactions() + result.ratingsRejects().values().stream().mapToLong(Long::longValue).sum(),
        "every data line is an interaction or a reject");
  }

  @Test
  void badItemLinesAndDuplicateIdsAreRejected() {
    assertEquals(List.of(
        "6 wrong_field_count expected 24 '|'-separated fields, found 2",
        "7 duplicate_item item id '1' already defined earlier in the file"),
        rejects("items").stream().map(IngestBadInputTest::describe).toList());
    assertEquals(5, result.items());
    Row toy = spark.read().parquet(dataset.resolve("items").toString()).filter("item_id = '1'").first();
    assertEquals("Toy Story (1995)", toy.getAs("title"), "the first definition wins");
    Row mis = spark.read().parquet(dataset.resolve("items").toString()).filter("item_id = '3'").first();
    assertEquals("Misérables, Les (1995)", mis.getAs("title"), "ISO-8859-1 decoded");
  }

  @Test
  void tooManyMalformedLinesFailNamingTheFileAndWriteNothing() throws Exception {
    Path out = tmp.resolve("strict").resolve("ds");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Stages.ingest(spark, TallRecConf.defaults(), "movielens100k", raw.toString(), null, null, out));
    assertEquals("Ratings file " + raw.resolve("u.data") + ": 4 of 11 rows (36.36%) are malformed, above the bound "
        + "ingest.max-malformed-fraction = 0.05; nothing was written. First ones:\n"
        + "  line 3: wrong_field_count (expected 4 tab-separated fields, found 2)\n"
        + "  line 4: bad_encoding (bytes are not valid in the declared charset)\n"
        + "  line 5: rating_out_of_range (rating 6 outside [1, 5])\n"
        + "  line 11: wrong_field_count (expected 4 tab-separated fields, found 3)", e.getMessage());
    assertNothingWritten(out);

  }

  @Test
  void aFailedRerunLeavesThePreviousDatasetUntouched() throws Exception {
    // The items file is checked too: its 1 malformed line of 7 is over a 10 % bound. The target
    // is the dataset written before: it must stay as it was.
    String manifest = Files.readString(dataset.resolve("interactions/_MANIFEST.json"));
    Path clean = tmp.resolve("clean.data");
    Files.writeString(clean, "1\t1\t5\t100\n1\t2\t3\t200\n");
    Path out2 = dataset;
    IllegalArgumentException items = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark,
        TallRecConf.load(null, List.of("ingest.max-malformed-fraction=0.1"), Map.of()), "movielens100k", null,
        clean.toString(), raw.resolve("u.item").toString(), out2));
    assertEquals("Items file " + raw.resolve("u.item") + ": 1 of 7 rows (14.29%) are malformed, above the bound "
        + "ingest.max-malformed-fraction = 0.1; nothing was written. First ones:\n"
        + "  line 6: wrong_field_count (expected 24 '|'-separated fields, found 2)", items.getMessage());
    assertEquals(manifest, Files.readString(dataset.resolve("interactions/_MANIFEST.json")));
    assertEquals(4, spark.read().parquet(dataset.resolve("interactions").toString()).count());
    assertNoStaging(dataset);
  }

  @Test
  void missingAndEmptyFilesFailNamingThePath() throws Exception {
    Path out = tmp.resolve("missing").resolve("ds");
    Path nowhere = tmp.resolve("nowhere");
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> Stages.ingest(spark, LENIENT, "movielens100k", nowhere.toString(), null, null, out));
    assertEquals("Ratings file not found: " + nowhere.resolve("u.data"), missing.getMessage());

    Path missingItems = tmp.resolve("no-items.item");
    IllegalArgumentException noItems = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark, LENIENT,
        "movielens100k", null, raw.resolve("u.data").toString(), missingItems.toString(), out));
    assertEquals("Items file not found: " + missingItems, noItems.getMessage());

    Path empty = Files.createFile(tmp.resolve("empty.data"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark, LENIENT,
        "movielens100k", null, empty.toString(), raw.resolve("u.item").toString(), out));
    assertEquals("Ratings file is empty: " + empty, e.getMessage());

    // Only blank lines: no data at all.
    Path blank = tmp.resolve("blank.data");
    Files.writeString(blank, "\n\n");
    IllegalArgumentException noData = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark, LENIENT,
        "movielens100k", null, blank.toString(), raw.resolve("u.item").toString(), out));
    assertEquals("Ratings file " + blank + " has no data lines", noData.getMessage());
    assertNothingWritten(out);

    IllegalArgumentException dir = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark, LENIENT,
        "movielens100k", null, raw.toString(), raw.resolve("u.item").toString(), out));
    assertEquals("Ratings file is a directory, expected a file: " + raw, dir.getMessage());

    // An existing file where the dataset goes: refused when the stage begins, not at its last rename.
    Path file = Files.writeString(tmp.resolve("a-file"), "keep me");
    IllegalArgumentException isFile = assertThrows(IllegalArgumentException.class, () -> Stages.ingest(spark, LENIENT,
        "movielens100k", raw.toString(), null, null, file));
    assertEquals("output file:" + file + " is a file, not a directory: give another --out or remove it",
        isFile.getMessage());
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void unknownSourceIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Stages.ingest(spark, LENIENT, "netflix", raw.toString(), null, null, tmp.resolve("x")));
    assertEquals("Unknown --source 'netflix'; expected one of [movielens100k, bookcrossing, csv]", e.getMessage());
  }

  static void assertNothingWritten(Path out) throws Exception {
    assertFalse(Files.exists(out), out + " must not exist after a failed job");
    assertNoStaging(out);
  }

  static void assertNoStaging(Path out) throws Exception {
    if (!Files.isDirectory(out.getParent())) {
      return;
    }
    try (Stream<Path> s = Files.list(out.getParent())) {
      List<String> leftovers = s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("." + out.getFileName() + ".") && n.contains("-staging-")).toList();
      assertEquals(List.of(), leftovers);
    }
    if (Files.isDirectory(out)) {
      try (Stream<Path> s = Files.list(out)) {
        assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("_replaced") || n.startsWith(".")).toList());
      }
    }
  }
}
