package tallrec.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Hadoop FileSystem helpers, so every path the pipeline touches may be local, HDFS or S3A.
 * IOExceptions become unchecked with the path in the message.
 */
public final class Fs {

  private Fs() {}

  public static FileSystem of(Path path, Configuration conf) {
    try {
      return path.getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open file system of " + path, e);
    }
  }

  public static boolean exists(Path path, Configuration conf) {
    try {
      return of(path, conf).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path, e);
    }
  }

  /** The status of an input file; a missing or empty file is an error naming the path. */
  public static FileStatus requireNonEmptyFile(Path path, Configuration conf, String what) {
    try {
      FileSystem fs = of(path, conf);
      if (!fs.exists(path)) {
        throw new IllegalArgumentException(what + " not found: " + path);
      }
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        throw new IllegalArgumentException(what + " is a directory, expected a file: " + path);
      }
      if (status.getLen() == 0) {
        throw new IllegalArgumentException(what + " is empty: " + path);
      }
      return status;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  /** SHA-256 of a file's bytes, streamed. */
  public static String sha256(Path path, Configuration conf) {
    try (InputStream in = of(path, conf).open(path)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String readString(Path path, Configuration conf) {
    try (InputStream in = of(path, conf).open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  public static void writeString(Path path, String text, Configuration conf) {
    try (OutputStream out = of(path, conf).create(path, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }

  public static void deleteRecursively(Path path, Configuration conf) {
    try {
      FileSystem fs = of(path, conf);
      if (fs.exists(path)) {
        fs.delete(path, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path, e);
    }
  }

  /**
   * Every file under {@code root} (the root itself when it is a file), walked with
   * {@code listStatus}. Not Hadoop's {@code listFiles(root, true)}: that builds a
   * {@code LocatedFileStatus} per file, whose constructor reads the file's permission, and the local
   * file system without Hadoop's native library gets it by running {@code ls -ld} once per file (the
   * demo's run directory holds 312 files besides the hidden .crc ones). A file that vanishes during the
   * walk is left out; an unreadable directory is an error naming it.
   */
  public static List<FileStatus> filesUnder(Path root, Configuration conf) {
    FileSystem fs = of(root, conf);
    List<FileStatus> files = new ArrayList<>();
    Deque<Path> dirs = new ArrayDeque<>();
    dirs.push(root);
    while (!dirs.isEmpty()) {
      Path dir = dirs.pop();
      FileStatus[] children;
      try {
        children = fs.listStatus(dir);
      } catch (FileNotFoundException e) {
        if (dir == root) {
          throw new IllegalArgumentException("Not found: " + root, e);
        }
        continue;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + dir, e);
      }
      for (FileStatus c : children) {
        if (c.isDirectory()) {
          dirs.push(c.getPath());
        } else {
          files.add(c);
        }
      }
    }
    return files;
  }
}
