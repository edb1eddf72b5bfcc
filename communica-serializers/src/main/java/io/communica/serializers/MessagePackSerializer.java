package io.communica.serializers;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * <a href="https://msgpack.org">MessagePack</a> through Jackson ({@code
 * org.msgpack:jackson-dataformat-msgpack}): the same types, options and limits as {@link
 * JsonSerializer}, in a compact binary form (byte arrays as msgpack binaries). Peers in other
 * languages read it with any msgpack library; both peers must use it.
 *
 * <pre>{@code
 * RouteServer.builder(connector).serializer(new MessagePackSerializer())
 * RouteServer.builder(connector).serializer(MessagePackSerializer.validating())
 * }</pre>
 *
 * <p>Not a default: choose it explicitly, on both sides.
 *
 * @since 0.1
 */
public final class MessagePackSerializer extends JacksonSerializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 3;

  /** MessagePack with tolerant reading and no validation. */
  public MessagePackSerializer() {
    this(builder().settings());
  }

  MessagePackSerializer(Settings settings) {
    super(settings);
  }

  /** Options for a MessagePack serializer. */
  public static Builder<MessagePackSerializer> builder() {
    return new Builder<>(Format.MSGPACK, MessagePackSerializer::new);
  }

  /** Strict MessagePack with Bean Validation of everything sent and received. */
  public static MessagePackSerializer validating() {
    return builder().validating().build();
  }

  /**
   * MessagePack with an application's own mapper (one built on a {@code MessagePackFactory}), used
   * as it is.
   */
  public static MessagePackSerializer of(ObjectMapper mapper) {
    return new MessagePackSerializer(Settings.ofMapper(Format.MSGPACK, mapper));
  }
}
