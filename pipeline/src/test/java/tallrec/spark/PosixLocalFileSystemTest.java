package tallrec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;

/**
 * The local file system that sets permissions without forking chmod leaves the same bits as
 * Hadoop's stock one (which forks {@code chmod} here, where Hadoop's native library is absent), and
 * the local Spark session uses it.
 */
class PosixLocalFileSystemTest {

  @TempDir java.nio.file.Path tmp;

  private static FileSystem open(FileSystem fs, Configuration conf) throws IOException {
    fs.initialize(URI.create("file:///"), conf);
    return fs;
  }

  private static String mode(java.nio.file.Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void setPermissionLeavesTheBitsChmodLeaves() throws IOException {
    Configuration conf = new Configuration(false);
    FileSystem ours = open(new PosixLocalFileSystem.Raw(), conf);
    FileSystem stock = open(new RawLocalFileSystem(), conf);
    java.nio.file.Path a = Files.writeString(tmp.resolve("a"), "x");
    java.nio.file.Path b = Files.writeString(tmp.resolve("b"), "x");
    for (short m : new short[] {0644, 0600, 0755, 0640, 0444, 0711, 0777, 0000, 0421, 0137, 0700}) {
      FsPermission p = new FsPermission(m);
      ours.setPermission(new Path(a.toUri()), p);
      stock.setPermission(new Path(b.toUri()), p);
      assertEquals(mode(b), mode(a), "mode " + Integer.toOctalString(m));
    }
  }

  @Test
  void createdFilesAndDirectoriesGetTheStockModesUnderTheUmask() throws IOException {
    for (String umask : new String[] {"022", "077", "002"}) {
      Configuration conf = new Configuration(false);
      conf.set("fs.permissions.umask-mode", umask);
      FileSystem ours = open(new PosixLocalFileSystem(), conf);
      FileSystem stock = open(new LocalFileSystem(), conf);
      java.nio.file.Path dirs = tmp.resolve("u" + umask);
      for (FileSystem fs : new FileSystem[] {ours, stock}) {
        Path root = new Path(dirs.resolve(fs == ours ? "ours" : "stock").toUri());
        Path dir = new Path(root, "x/y");
        fs.mkdirs(dir);
        fs.mkdirs(new Path(root, "z"), new FsPermission((short) 0750));
        try (OutputStream out = fs.create(new Path(dir, "part-0.parquet"))) {
          out.write("rows".getBytes(StandardCharsets.UTF_8));
        }
      }
      for (String rel : new String[] {"x", "x/y", "z", "x/y/part-0.parquet", "x/y/.part-0.parquet.crc"}) {
        assertEquals(mode(dirs.resolve("stock").resolve(rel)), mode(dirs.resolve("ours").resolve(rel)),
            "umask " + umask + ": " + rel);
      }
    }
  }

  @Test
  void aMissingFileIsNamed() throws IOException {
    FileSystem ours = open(new PosixLocalFileSystem.Raw(), new Configuration(false));
    Path missing = new Path(tmp.resolve("nope").toUri());
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> ours.setPermission(missing, new FsPermission((short) 0644)));
    assertEquals("File " + missing + " does not exist", e.getMessage());
  }

  @Test
  void theLocalSparkSessionUsesIt() throws IOException {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    // newInstance: the FileSystem cache may hold a stock instance made from another Configuration.
    try (FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf)) {
      assertInstanceOf(PosixLocalFileSystem.class, fs);
    }
  }
}
