package io.communica.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.communica.core.transport.FrameConnection;
import io.communica.core.transport.FrameListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stream connection's framing, on in-memory streams. */
@Timeout(30)
class StreamFrameConnectionTest {

  /** Records frames (as hex) and the end of the connection. */
  private static final class Recorder implements FrameListener {
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    final CountDownLatch closed = new CountDownLatch(1);
    volatile @Nullable Throwable cause;

    @Override
    public void onFrame(ByteBuf frame) {
      frames.add(ByteBufUtil.hexDump(frame));
    }

    @Override
    public void onReadComplete() {}

    @Override
    public void onWritable() {}

    @Override
    public void onProtocolError(String reason) {
      errors.add(reason);
    }

    @Override
    public void onClosed(@Nullable Throwable cause) {
      this.cause = cause;
      closed.countDown();
    }
  }

  private static StreamFrameConnection.Endpoint endpoint(InputStream in, OutputStream out) {
    return new StreamFrameConnection.Endpoint() {
      @Override
      public InputStream input() {
        return in;
      }

      @Override
      public OutputStream output() {
        return out;
      }

      @Override
      public String describe() {
        return "memory";
      }

      @Override
      public @Nullable Throwable endCause(@Nullable IOException error) {
        return new IOException("the input ended");
      }

      @Override
      public void release() {}
    };
  }

  /** A frame: length 12 and a 12-byte header of {@code b}. */
  private static byte[] frame(int b) {
    byte[] f = new byte[16];
    f[3] = 12;
    for (int i = 4; i < 16; i++) {
      f[i] = (byte) b;
    }
    return f;
  }

  @Test
  void framesArrivingOneByteAtATimeAreReassembled() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(frame(1));
    bytes.write(frame(2));
    InputStream trickle =
        new ByteArrayInputStream(bytes.toByteArray()) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };
    Recorder r = new Recorder();
    StreamFrameConnection.open(endpoint(trickle, OutputStream.nullOutputStream()), 4096, c -> r, "t", true)
        .get(10, TimeUnit.SECONDS);
    // frames reach the listener without their length prefix
    assertThat(r.frames.poll(10, TimeUnit.SECONDS)).isEqualTo("01".repeat(12));
    assertThat(r.frames.poll(10, TimeUnit.SECONDS)).isEqualTo("02".repeat(12));
    assertThat(r.closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(r.cause).hasMessage("the input ended");
  }

  @Test
  void anOversizeLengthPrefixIsAProtocolErrorBeforeAnythingIsBuffered() throws Exception {
    byte[] claim = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3};
    Recorder r = new Recorder();
    StreamFrameConnection.open(
            endpoint(new ByteArrayInputStream(claim), OutputStream.nullOutputStream()), 4096, c -> r, "t", true)
        .get(10, TimeUnit.SECONDS);
    assertThat(r.errors.poll(10, TimeUnit.SECONDS))
        .isEqualTo("frame length 2147483647 exceeds the maximum frame size of 4096");
    assertThat(r.closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(r.frames).isEmpty();
  }

  @Test
  void aLengthShorterThanTheHeaderIsAProtocolError() throws Exception {
    byte[] tiny = {0, 0, 0, 3, 1, 2, 3};
    Recorder r = new Recorder();
    StreamFrameConnection.open(
            endpoint(new ByteArrayInputStream(tiny), OutputStream.nullOutputStream()), 4096, c -> r, "t", true)
        .get(10, TimeUnit.SECONDS);
    assertThat(r.errors.poll(10, TimeUnit.SECONDS)).contains("shorter than the frame header");
    assertThat(r.closed.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void flushedFramesAreWrittenBeforeTheOutputCloses() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CountDownLatch outputClosed = new CountDownLatch(1);
    OutputStream watched =
        new OutputStream() {
          @Override
          public void write(int b) {
            out.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            out.write(b, off, len);
          }

          @Override
          public void close() {
            outputClosed.countDown();
          }
        };
    Recorder r = new Recorder();
    // an input that never ends, like a peer that keeps its side open
    InputStream silent = new java.io.PipedInputStream(new java.io.PipedOutputStream());
    FrameConnection c =
        StreamFrameConnection.open(endpoint(silent, watched), 4096, x -> r, "t", true)
            .get(10, TimeUnit.SECONDS);
    c.execute(
        () -> {
          // frames are written without prefix; the connection adds it
          c.write(c.alloc().buffer().writeBytes(frame(7), 4, 12));
          c.write(c.alloc().buffer().writeBytes(frame(8), 4, 12));
          c.flush();
          c.close();
        });
    assertThat(outputClosed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(r.closed.await(10, TimeUnit.SECONDS)).isTrue();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(frame(7));
    expected.write(frame(8));
    assertThat(out.toByteArray()).isEqualTo(expected.toByteArray());
    silent.close();
  }
}
