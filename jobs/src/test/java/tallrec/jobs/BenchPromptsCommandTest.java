package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

/** {@code tallrec bench prompts}: token counts and the word cache's encoding rate against whole-text encoding. */
class BenchPromptsCommandTest {

  @TempDir Path tmp;

  @Test
  void comparesTheWordCacheWithWholeTextEncodingOnTheSameIds() throws Exception {
    String data = TuneCommandTest.recJson(tmp, "test.json", 40, 0).toString();
    CliRun r = CliRun.of("bench", "prompts", "--samples", data, "--tokenizer",
        SharedData.require("models/llama2-tokenizer/tokenizer.model").toString(), "--compare-tokenizer",
        "--master", "local[1]");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().contains("movie/test: 40 prompts"), r.out());
    // The comparison throws (exit 1) if one prompt's ids differ; here it printed three positive rates.
    Matcher m = Pattern.compile("whole text ([\\d,]+) \\| word cache fresh ([\\d,]+) \\(([\\d.]+)x\\) \\| filled ([\\d,]+)")
        .matcher(r.out());
    assertTrue(m.find(), r.out());
    for (int g : new int[] {1, 2, 4}) {
      assertTrue(Long.parseLong(m.group(g).replace(",", "")) > 0, r.out());
    }
  }
}
