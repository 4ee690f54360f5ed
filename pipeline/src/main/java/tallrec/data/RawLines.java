package tallrec.data;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import tallrec.io.Fs;

/**
 * Reads a text file as numbered raw lines, distributed.
 *
 * <p>Spark's text source decodes UTF-8 only and forgets line numbers; MovieLens and BookCrossing
 * ship ISO-8859-1, and a reject must name its line. So lines are read as bytes through Hadoop's
 * {@code TextInputFormat} (any FileSystem, CR LF or LF), numbered with {@code zipWithIndex} (one
 * counting pass, no collect) and decoded strictly in the declared charset.
 */
public final class RawLines {

  private RawLines() {}

  public static JavaRDD<RawLine> read(SparkSession spark, String file, Charset charset, String what) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Path path = new Path(file);
    Fs.requireNonEmptyFile(path, jsc.hadoopConfiguration(), what);
    String name = path.toString();
    String charsetName = charset.name();
    return jsc.hadoopFile(name, TextInputFormat.class, LongWritable.class, Text.class)
        // Hadoop reuses the Text object: copy its bytes before anything else.
        .map(kv -> Arrays.copyOf(kv._2().getBytes(), kv._2().getLength()))
        .zipWithIndex()
        .map(t -> decode(name, t._2() + 1, t._1(), Charset.forName(charsetName)));
  }

  static RawLine decode(String file, long lineNo, byte[] bytes, Charset charset) {
    String raw = new String(bytes, StandardCharsets.ISO_8859_1);
    String text;
    try {
      text = charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      if (lineNo == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
        text = text.substring(1); // a UTF-8 byte-order mark is not part of the first field
      }
    } catch (CharacterCodingException e) {
      text = null;
    }
    return new RawLine(file, lineNo, text, raw);
  }
}
