package io.communica.core.frame;

/**
 * The frame types of protocol version {@value FrameHeader#VERSION}.
 *
 * @since 0.2
 */
public final class FrameType {

  /** Client to server: protocol version, limits, client id, credentials, capabilities. */
  public static final int HELLO = 0x01;

  /** Server to client: the handshake succeeded; the server's limits and capabilities. */
  public static final int WELCOME = 0x02;

  /** Server to client: the handshake failed; the error kind is a refusal reason, the payload text. */
  public static final int REFUSE = 0x03;

  /** A request; a RESPONSE or ERROR with the same id answers it. */
  public static final int REQUEST = 0x10;

  /** A fire-and-forget message, never answered. */
  public static final int MESSAGE = 0x11;

  /** The value answering a request. */
  public static final int RESPONSE = 0x12;

  /** The error answering a request. */
  public static final int ERROR = 0x13;

  /** The requester gave up on a request. */
  public static final int CANCEL = 0x14;

  /**
   * Opens a stream: route and request data, like REQUEST; NEXT frames answer it, as many as the
   * requester granted with REQUEST_N, then COMPLETE or ERROR.
   *
   * @since 0.2
   */
  public static final int REQUEST_STREAM = 0x16;

  /**
   * Opens a channel: a route (and metadata), no value; items flow both ways as NEXT frames, each
   * direction within the credits the other side granted.
   *
   * @since 0.2
   */
  public static final int REQUEST_CHANNEL = 0x17;

  /**
   * One item of a stream or channel; flag {@link FrameHeader#FLAG_RESPONDER} when the responder
   * sends it.
   *
   * @since 0.2
   */
  public static final int NEXT = 0x18;

  /**
   * The sender's direction of a stream or channel ended normally (flag {@link
   * FrameHeader#FLAG_RESPONDER} when the responder sends it).
   *
   * @since 0.2
   */
  public static final int COMPLETE = 0x19;

  /**
   * Credits: the sender accepts that many more NEXT frames of the stream (a u32 payload; flag
   * {@link FrameHeader#FLAG_RESPONDER} when the responder grants them for a channel's input).
   *
   * @since 0.2
   */
  public static final int REQUEST_N = 0x1a;

  /** Liveness probe; answered by PONG. */
  public static final int PING = 0x20;

  /** Answer to PING. */
  public static final int PONG = 0x21;

  /** The sender closes the connection; the error kind is a close code, the payload the reason. */
  public static final int CLOSE = 0x30;

  private FrameType() {}

  /** Whether frames of this type carry a message (and so may be fragmented). */
  public static boolean isMessage(int type) {
    return (type >= REQUEST && type <= ERROR) || (type >= REQUEST_STREAM && type <= NEXT);
  }

  /** The name of a frame type for messages and logs, e.g. {@code REQUEST} or {@code 0x7f}. */
  public static String name(int type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case WELCOME -> "WELCOME";
      case REFUSE -> "REFUSE";
      case REQUEST -> "REQUEST";
      case MESSAGE -> "MESSAGE";
      case RESPONSE -> "RESPONSE";
      case ERROR -> "ERROR";
      case CANCEL -> "CANCEL";
      case REQUEST_STREAM -> "REQUEST_STREAM";
      case REQUEST_CHANNEL -> "REQUEST_CHANNEL";
      case NEXT -> "NEXT";
      case COMPLETE -> "COMPLETE";
      case REQUEST_N -> "REQUEST_N";
      case PING -> "PING";
      case PONG -> "PONG";
      case CLOSE -> "CLOSE";
      default -> "0x" + Integer.toHexString(type);
    };
  }
}
