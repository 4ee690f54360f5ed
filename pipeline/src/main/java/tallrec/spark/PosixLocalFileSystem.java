package tallrec.spark;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file://}, checksummed as the stock one) that sets permissions
 * with {@code java.nio} instead of forking {@code chmod}.
 *
 * <p>Why: without Hadoop's native library (which this project does not ship), {@link
 * RawLocalFileSystem#setPermission} runs {@code chmod} in a child process, and every file it creates
 * (each Parquet part, {@code _SUCCESS}, every {@code .crc}, every manifest) and every directory it
 * makes goes through it: strace counted 1,134 {@code chmod} processes before the demo's pretrain
 * stage began, started from the driver and from the executors' task threads. {@code
 * Files.setPosixFilePermissions} is the same {@code chmod(2)} without the process; the bits written
 * are the same ones.
 *
 * <p>Used for local runs only ({@code SparkSessions} sets {@code fs.file.impl} when it picks the
 * master itself); a permission with bits {@code java.nio} cannot express (sticky, setuid) and a file
 * system without POSIX attributes go the stock way.
 */
public class PosixLocalFileSystem extends LocalFileSystem {

  public PosixLocalFileSystem() {
    super(new Raw());
  }

  /** The raw (unchecksummed) layer, where Hadoop sets permissions. */
  public static class Raw extends RawLocalFileSystem {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      short mode = permission.toShort();
      if (!POSIX || (mode & ~0777) != 0) {
        super.setPermission(p, permission);
        return;
      }
      File f = pathToFile(p);
      try {
        // Without a sticky bit FsPermission prints the nine rwx letters `ls -l` shows.
        Files.setPosixFilePermissions(f.toPath(), PosixFilePermissions.fromString(permission.toString()));
      } catch (NoSuchFileException e) {
        throw new FileNotFoundException("File " + p + " does not exist");
      }
    }
  }
}
