package tallrec.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precedence: reference.conf &lt; --conf file &lt; --set &lt; flags. */
class TallRecConfTest {

  @TempDir Path tmp;

  private File confFile() throws Exception {
    Path f = tmp.resolve("user.conf");
    Files.writeString(f, "tallrec {\n  instructions { history-length = 7, mode = tallrec }\n"
        + "  ingest.max-malformed-fraction = 0.2\n  sources.csv.delimiter = \";\"\n}\n");
    return f.toFile();
  }

  @Test
  void referenceDefaults() {
    TallRecConf c = TallRecConf.defaults();
    assertEquals(10, c.section("instructions").getInt("history-length"));
    assertEquals("temporal", c.section("instructions").getString("mode"));
    assertEquals(0.05, c.section("ingest").getDouble("max-malformed-fraction"));
    assertEquals(true, c.section("sources.bookcrossing").getBoolean("keep-implicit"));
  }

  @Test
  void fileBeatsReference() throws Exception {
    TallRecConf c = TallRecConf.load(confFile(), List.of(), Map.of());
    assertEquals(7, c.section("instructions").getInt("history-length"));
    assertEquals(0.2, c.section("ingest").getDouble("max-malformed-fraction"));
    assertEquals(";", c.section("sources.csv").getString("delimiter"));
    assertEquals(5, c.section("domains.book").getInt("like-threshold"), "untouched keys keep their defaults");
  }

  @Test
  void setBeatsFileAndFlagsBeatSet() throws Exception {
    TallRecConf c = TallRecConf.load(confFile(),
        List.of("instructions.history-length=5", "tallrec.instructions.mode=temporal", "instructions.kshot.k=[2, 4]",
            "sources.bookcrossing.keep-implicit=false"),
        Map.of("instructions.mode", "tallrec"));
    assertEquals(5, c.section("instructions").getInt("history-length"));
    assertEquals("tallrec", c.section("instructions").getString("mode"), "a flag beats --set");
    assertEquals(List.of(2, 4), c.section("instructions").getIntList("kshot.k"));
    assertEquals(false, c.section("sources.bookcrossing").getBoolean("keep-implicit"));
    assertEquals(0.2, c.section("ingest").getDouble("max-malformed-fraction"));
  }

  @Test
  void laterSetWinsAndNullFlagsAreIgnored() {
    java.util.Map<String, Object> flags = new java.util.HashMap<>();
    flags.put("instructions.history-length", null);
    TallRecConf c = TallRecConf.load(null, List.of("instructions.history-length=3", "instructions.history-length=4"), flags);
    assertEquals(4, c.section("instructions").getInt("history-length"));
  }

  @Test
  void literalValuesAndErrors() {
    TallRecConf c = TallRecConf.load(null, List.of("sources.csv.columns.user=User ID", "demo.work-dir=/tmp/a:b"), Map.of());
    assertEquals("User ID", c.section("sources.csv.columns").getString("user"));
    assertEquals("/tmp/a:b", c.section("demo").getString("work-dir"));
    IllegalArgumentException noEq = assertThrows(IllegalArgumentException.class,
        () -> TallRecConf.load(null, List.of("instructions.history-length"), Map.of()));
    assertEquals("--set expects key=value, got: instructions.history-length", noEq.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> TallRecConf.load(tmp.resolve("nope.conf").toFile(), List.of(), Map.of()));
    assertTrue(missing.getMessage().startsWith("Config file not found: "), missing.getMessage());
  }

  @Test
  void withAndRenderJson() {
    TallRecConf c = TallRecConf.defaults().with("instructions.history-length", 3);
    assertEquals(3, c.section("instructions").getInt("history-length"));
    assertTrue(c.renderJson("instructions").contains("\"history-length\":3"), c.renderJson("instructions"));
    assertEquals(TallRecConf.defaults(), TallRecConf.defaults());
  }
}
