package io.communica.shm;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One connection's shared memory: a file a client creates and both sides map, holding a header and
 * two Agrona ring buffers, client to server first, then server to client.
 *
 * <pre>
 *   0  u64 magic "CMCSHM01"
 *   8  u32 layout version (2: BATCH records)
 *  12  u32 ring capacity C (a power of two)
 *  16  u64 client pid
 *  24  u64 server pid (set by the server when it accepts)
 * 128  u32 client closed: the client will write no more (each flag in a cache line of its own)
 * 192  u32 server closed
 * 256  u32 client asleep: the client's agent waits on its doorbell socket; wake it after writing
 * 320  u32 server asleep
 * 384  ring client to server: C bytes and Agrona's trailer
 * 384 + C + trailer: ring server to client
 * </pre>
 */
final class RingFile {

  static final long MAGIC = 0x434d4353484d3031L; // "CMCSHM01"
  static final int VERSION = 2;
  static final int HEADER = 384;
  private static final int OFF_VERSION = 8;
  private static final int OFF_CAPACITY = 12;
  private static final int OFF_CLIENT_PID = 16;
  private static final int OFF_SERVER_PID = 24;
  private static final int OFF_CLIENT_CLOSED = 128;
  private static final int OFF_SERVER_CLOSED = 192;
  private static final int OFF_CLIENT_ASLEEP = 256;
  private static final int OFF_SERVER_ASLEEP = 320;

  private final MappedByteBuffer mapped;
  private final UnsafeBuffer header;
  final RingBuffer clientToServer;
  final RingBuffer serverToClient;

  private RingFile(MappedByteBuffer mapped, int capacity) {
    this.mapped = mapped;
    this.header = new UnsafeBuffer(mapped, 0, HEADER);
    int ring = capacity + RingBufferDescriptor.TRAILER_LENGTH;
    this.clientToServer = new OneToOneRingBuffer(new UnsafeBuffer(mapped, HEADER, ring));
    this.serverToClient = new OneToOneRingBuffer(new UnsafeBuffer(mapped, HEADER + ring, ring));
  }

  static long fileSize(int capacity) {
    return HEADER + 2L * (capacity + RingBufferDescriptor.TRAILER_LENGTH);
  }

  /** Client: maps a new, empty file of the right size and writes the header. */
  static RingFile create(Path file, int capacity, long clientPid) throws IOException {
    MappedByteBuffer mapped = map(file, fileSize(capacity));
    RingFile r = new RingFile(mapped, capacity);
    r.header.putInt(OFF_VERSION, VERSION);
    r.header.putInt(OFF_CAPACITY, capacity);
    r.header.putLong(OFF_CLIENT_PID, clientPid);
    long now = System.currentTimeMillis();
    r.serverToClient.consumerHeartbeatTime(now);
    r.clientToServer.consumerHeartbeatTime(now); // until the server takes over
    r.header.putLongVolatile(0, MAGIC);
    return r;
  }

  /**
   * Server: maps a file a client created, after checking that its header and size agree.
   *
   * @param size the file's size
   * @throws IOException saying what does not agree
   */
  static RingFile open(Path file, long size, long serverPid) throws IOException {
    if (size < HEADER) {
      throw new IOException("ring file is " + size + " bytes, shorter than its header");
    }
    MappedByteBuffer mapped = map(file, size);
    UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER);
    try {
      if (h.getLongVolatile(0) != MAGIC || h.getInt(OFF_VERSION) != VERSION) {
        throw new IOException("not a communica ring file of layout version " + VERSION);
      }
      int capacity = h.getInt(OFF_CAPACITY);
      if (capacity < ShmConnector.MIN_RING_SIZE
          || capacity > ShmConnector.MAX_RING_SIZE
          || Integer.bitCount(capacity) != 1
          || fileSize(capacity) != size) {
        throw new IOException("ring capacity " + capacity + " does not fit a file of " + size + " bytes");
      }
      RingFile r = new RingFile(mapped, capacity);
      r.header.putLongVolatile(OFF_SERVER_PID, serverPid);
      r.clientToServer.consumerHeartbeatTime(System.currentTimeMillis());
      return r;
    } catch (IOException | RuntimeException e) {
      IoUtil.unmap(mapped);
      throw e;
    }
  }

  private static MappedByteBuffer map(Path file, long size) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (ch.size() < size) {
        ch.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1); // grows it, sparse
      }
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
    }
  }

  long clientPid() {
    return header.getLongVolatile(OFF_CLIENT_PID);
  }

  /** Marks one side's direction ended: it writes nothing more. */
  void markClosed(boolean client) {
    header.putIntVolatile(client ? OFF_CLIENT_CLOSED : OFF_SERVER_CLOSED, 1);
  }

  boolean isClosed(boolean client) {
    return header.getIntVolatile(client ? OFF_CLIENT_CLOSED : OFF_SERVER_CLOSED) != 0;
  }

  /** Marks one side's agent asleep (about to wait on its socket) or awake. */
  void asleep(boolean client, boolean asleep) {
    header.putIntVolatile(client ? OFF_CLIENT_ASLEEP : OFF_SERVER_ASLEEP, asleep ? 1 : 0);
  }

  /**
   * Whether one side's agent is asleep, clearing the mark: true for one caller only, who then
   * wakes it.
   */
  boolean takeAsleep(boolean client) {
    int at = client ? OFF_CLIENT_ASLEEP : OFF_SERVER_ASLEEP;
    return header.getIntVolatile(at) != 0 && header.compareAndSetInt(at, 1, 0);
  }

  /** Unmaps the file; nothing of it may be touched afterwards. */
  void unmap() {
    IoUtil.unmap(mapped);
  }
}
