package tallrec.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Fs#filesUnder} finds what Hadoop's recursive {@code listFiles} finds. */
class FsTest {

  @TempDir java.nio.file.Path tmp;

  @Test
  void filesUnderFindsEveryFileAtEveryDepthAndNoDirectory() throws IOException {
    for (String f : new String[] {"a.txt", "d/b.parquet", "d/.b.parquet.crc", "d/e/f/_MANIFEST.json", "g/h/x"}) {
      java.nio.file.Path p = tmp.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, f);
    }
    Files.createDirectories(tmp.resolve("empty/dir"));
    Configuration conf = new Configuration(false);
    Path root = new Path(tmp.toUri());

    TreeSet<String> ours = new TreeSet<>();
    for (FileStatus s : Fs.filesUnder(root, conf)) {
      assertTrue(s.isFile(), s.getPath().toString());
      ours.add(s.getPath().toString());
    }
    TreeSet<String> hadoop = new TreeSet<>();
    RemoteIterator<LocatedFileStatus> it = FileSystem.getLocal(conf).listFiles(root, true);
    while (it.hasNext()) {
      hadoop.add(it.next().getPath().toString());
    }
    // The checksummed local file system hides .crc files from listings; both walks go through it.
    assertEquals(4, ours.size(), ours.toString());
    assertEquals(hadoop, ours);

    List<FileStatus> one = Fs.filesUnder(new Path(tmp.resolve("d/b.parquet").toUri()), conf);
    assertEquals(1, one.size());
    assertEquals("d/b.parquet".length(), one.get(0).getLen());
  }

  @Test
  void aMissingRootIsNamed() {
    Path missing = new Path(tmp.resolve("nope").toUri());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Fs.filesUnder(missing, new Configuration(false)));
    assertEquals("Not found: " + missing, e.getMessage());
  }
}
