package tallrec.dataset;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.io.Fs;

/**
 * Writes {@code train.json}, {@code valid.json}, {@code test.json} in the reference's Alpaca
 * format ({@code [{"instruction", "input", "output"}, …]}, samples in split order), so datasets
 * made here also feed TALLRec's Python tooling. Rows stream from executors one partition at a
 * time; nothing holds a whole split in the driver.
 */
public final class AlpacaJsonExport {

  private AlpacaJsonExport() {}

  /**
   * Writes the three files into {@code dir} from {@code samples} and their items' texts (item id →
   * text); returns the number of samples written.
   */
  public static long write(Dataset<Row> samples, Map<String, String> texts, String noun, Path dir, Configuration conf) {
    long total = 0;
    for (SplitName split : SplitName.values()) {
      Dataset<Row> selected = samples.filter(col(Columns.SPLIT).equalTo(split.value())).orderBy(col("sample_index"));
      Dataset<Row> rows = SampleRenderer.withPrompts(ItemTexts.attach(selected, texts, ItemTexts.DIR), noun)
          .select(Columns.INSTRUCTION, Columns.INPUT, Columns.OUTPUT);
      total += writeOne(rows.toLocalIterator(), new Path(dir, split.value() + ".json"), conf);
    }
    return total;
  }

  private static long writeOne(Iterator<Row> rows, Path file, Configuration conf) {
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("    ", "\n"))
        .withArrayIndenter(new DefaultIndenter("    ", "\n"));
    long n = 0;
    try (OutputStream out = Fs.of(file, conf).create(file, true);
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.setPrettyPrinter(pretty);
      g.writeStartArray();
      while (rows.hasNext()) {
        Row r = rows.next();
        g.writeStartObject();
        g.writeStringField("instruction", r.getString(0));
        g.writeStringField("input", r.getString(1));
        g.writeStringField("output", r.getString(2));
        g.writeEndObject();
        n++;
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
    return n;
  }
}
