package io.communica.core.frame;

import java.util.ArrayList;
import java.util.List;

/**
 * Capability bits: what a peer supports beyond the base protocol of its version. HELLO and WELCOME
 * each carry the sender's bits (a u32); what a connection may use is the AND of both. A feature
 * that needs a capability checks it before it sends anything that uses it, and fails with an error
 * naming the missing capability, never with a protocol error at the peer.
 *
 * <p>Bits are assigned here and in {@code docs/PROTOCOL.md}; a peer ignores bits it does not know.
 *
 * @since 0.2
 */
public final class Capabilities {

  /**
   * Stream and channel interactions: frames REQUEST_STREAM, REQUEST_CHANNEL, NEXT, COMPLETE and
   * REQUEST_N (credits across the wire).
   */
  public static final int STREAMS = 1;

  /**
   * Metadata on requests and messages: a section of string pairs between route and payload, flag
   * {@link FrameHeader#FLAG_METADATA}, at most {@link FrameHeader#MAX_METADATA_BYTES}.
   */
  public static final int REQUEST_METADATA = 1 << 1;

  /** Resuming a session after a reconnect with a token. Reserved: not set yet. */
  public static final int RESUME = 1 << 2;

  /** Shared-memory rings beside the connection. Reserved: not set yet. */
  public static final int SHARED_MEMORY = 1 << 3;

  /**
   * A resume token in WELCOME and HELLO: the server issues a random token with each WELCOME, and
   * a client that reconnects presents the last one it received, which proves that it is the
   * client whose connection it takes over. Bits for reliability features are taken from the top.
   */
  public static final int RESUME_TOKEN = 1 << 30;

  /** The bits this implementation sets in its HELLO and WELCOME. */
  public static final int SUPPORTED = STREAMS | REQUEST_METADATA | RESUME_TOKEN;

  private Capabilities() {}

  /** The name of one bit, e.g. {@code streams}, or {@code bit 17} for one not assigned yet. */
  public static String name(int bit) {
    return switch (bit) {
      case STREAMS -> "streams";
      case REQUEST_METADATA -> "request-metadata";
      case RESUME -> "resume";
      case SHARED_MEMORY -> "shared-memory";
      case RESUME_TOKEN -> "resume-token";
      default -> "bit " + Integer.numberOfTrailingZeros(bit);
    };
  }

  /** The names of a set of bits, e.g. {@code [streams, resume]}, or {@code []}. */
  public static String describe(int bits) {
    List<String> names = new ArrayList<>();
    for (int rest = bits; rest != 0; rest &= rest - 1) {
      names.add(name(Integer.lowestOneBit(rest)));
    }
    return names.toString();
  }
}
