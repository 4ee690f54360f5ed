package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthCommandTest {

  @Test
  void writesTheDataset(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("ml-synth");
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      rc = TallRecCli.execute("synth", "--out", out.toString(), "--ratings", "5000", "--seed", "3");
    } finally {
      System.setOut(stdout);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.print(printed);
    assertEquals(0, rc);
    for (String f : List.of("u.data", "u.item", "u.genre", "u.info", "README")) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    assertEquals(5000, Files.readAllLines(out.resolve("u.data")).size());
    assertTrue(printed.contains("u.data") && printed.contains("5,000 ratings"), printed);
    try (Stream<Path> s = Files.list(tmp)) { // staging directory renamed away
      assertEquals(List.of("ml-synth"), s.map(p -> p.getFileName().toString()).toList());
    }

    // A non-empty target needs --overwrite; --users/--items flags are honoured.
    assertEquals(1, TallRecCli.execute("synth", "--out", out.toString(), "--ratings", "5000"));
    assertEquals(0, TallRecCli.execute("synth", "--out", out.toString(), "--ratings", "3000",
        "--users", "50", "--items", "400", "--overwrite"));
    assertEquals("50 users\n400 items\n3000 ratings\n", Files.readString(out.resolve("u.info")));

    // Config keys work through --set, flags through CommonOptions.
    Path viaSet = tmp.resolve("via-set");
    assertEquals(0, TallRecCli.execute("synth", "--out", viaSet.toString(),
        "--set", "synth.ratings=2500", "--set", "synth.seed=9"));
    assertTrue(Files.readString(viaSet.resolve("u.info")).endsWith("2500 ratings\n"));
  }
}
