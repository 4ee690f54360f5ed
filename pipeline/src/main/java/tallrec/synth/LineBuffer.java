package tallrec.synth;

import java.io.IOException;
import java.io.OutputStream;

/** A byte buffer for ASCII/Latin-1 lines: numbers are written as digits, no String garbage. */
final class LineBuffer implements AutoCloseable {

  private final OutputStream out;
  private final byte[] buf;
  private int pos;
  private long written;

  LineBuffer(OutputStream out, int size) {
    this.out = out;
    this.buf = new byte[size];
  }

  LineBuffer number(long v) throws IOException {
    if (pos + 20 > buf.length) {
      flushBuffer();
    }
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long x = v; x >= 10; x /= 10) {
      digits++;
    }
    int end = pos + digits;
    for (int i = end - 1; i >= pos; i--) {
      buf[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    pos = end;
    return this;
  }

  LineBuffer ch(char c) throws IOException {
    if (pos == buf.length) {
      flushBuffer();
    }
    buf[pos++] = (byte) c;
    return this;
  }

  /** Latin-1 text; the caller guarantees every char is below 256. */
  LineBuffer latin1(String s) throws IOException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 255) {
        throw new IllegalArgumentException("not ISO-8859-1: " + s);
      }
      ch(c);
    }
    return this;
  }

  long bytesWritten() {
    return written + pos;
  }

  private void flushBuffer() throws IOException {
    out.write(buf, 0, pos);
    written += pos;
    pos = 0;
  }

  @Override
  public void close() throws IOException {
    try {
      flushBuffer();
    } finally {
      out.close();
    }
  }
}
