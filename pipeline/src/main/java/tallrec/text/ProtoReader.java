package tallrec.text;

import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf wire-format reader, enough to parse SentencePiece's {@code ModelProto}
 * without pulling in protobuf-java (Spark shades its own copy; a second one on the classpath is
 * a version-conflict trap).
 */
final class ProtoReader {

  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] buf;
  private int pos;
  private final int end;

  ProtoReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  private ProtoReader(byte[] buf, int offset, int end) {
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  boolean hasMore() {
    return pos < end;
  }

  /** Reads the next tag; the field number is {@code tag >>> 3}, the wire type {@code tag & 7}. */
  int readTag() {
    long tag = readVarint();
    if (tag <= 0 || tag > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("corrupt protobuf: bad tag " + tag + " at byte " + pos);
    }
    return (int) tag;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = readByte();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("corrupt protobuf: varint longer than 10 bytes at " + pos);
  }

  /** An int32 field: negative values are encoded as 10-byte varints, truncation restores them. */
  int readInt32() {
    return (int) readVarint();
  }

  boolean readBool() {
    return readVarint() != 0;
  }

  float readFloat() {
    need(4);
    int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16
        | (buf[pos + 3] & 0xFF) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  String readString() {
    int len = readLength();
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }

  byte[] readBytes() {
    int len = readLength();
    byte[] out = new byte[len];
    System.arraycopy(buf, pos, out, 0, len);
    pos += len;
    return out;
  }

  /** A reader over an embedded message; this reader skips past it. */
  ProtoReader readMessage() {
    int len = readLength();
    ProtoReader sub = new ProtoReader(buf, pos, pos + len);
    pos += len;
    return sub;
  }

  /** Skips a field we do not need (most of TrainerSpec matters only for training). */
  void skip(int tag) {
    switch (tag & 7) {
      case VARINT -> readVarint();
      case FIXED64 -> advance(8);
      case LENGTH_DELIMITED -> advance(readLength());
      case FIXED32 -> advance(4);
      default -> throw new IllegalArgumentException(
          "corrupt protobuf: unsupported wire type " + (tag & 7) + " at byte " + pos);
    }
  }

  private int readLength() {
    long len = readVarint();
    if (len < 0 || len > end - pos) {
      throw new IllegalArgumentException(
          "corrupt protobuf: length " + len + " at byte " + pos + " runs past the end (" + end + ")");
    }
    return (int) len;
  }

  private byte readByte() {
    need(1);
    return buf[pos++];
  }

  private void advance(int n) {
    need(n);
    pos += n;
  }

  private void need(int n) {
    if (n > end - pos) {
      throw new IllegalArgumentException("corrupt protobuf: truncated at byte " + pos);
    }
  }
}
