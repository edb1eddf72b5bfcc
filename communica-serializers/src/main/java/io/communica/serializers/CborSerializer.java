package io.communica.serializers;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * <a href="https://cbor.io">CBOR</a> (RFC 8949) through Jackson ({@code
 * jackson-dataformat-cbor}): the same types, options and limits as {@link JsonSerializer}, in a
 * compact binary form (byte arrays as CBOR byte strings).
 *
 * <pre>{@code
 * RouteServer.builder(connector).serializer(new CborSerializer())
 * RouteServer.builder(connector).serializer(CborSerializer.validating())
 * }</pre>
 *
 * <p>Not a default: choose it explicitly, on both sides.
 *
 * @since 0.1
 */
public final class CborSerializer extends JacksonSerializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 4;

  /** CBOR with tolerant reading and no validation. */
  public CborSerializer() {
    this(builder().settings());
  }

  CborSerializer(Settings settings) {
    super(settings);
  }

  /** Options for a CBOR serializer. */
  public static Builder<CborSerializer> builder() {
    return new Builder<>(Format.CBOR, CborSerializer::new);
  }

  /** Strict CBOR with Bean Validation of everything sent and received. */
  public static CborSerializer validating() {
    return builder().validating().build();
  }

  /** CBOR with an application's own mapper (one built on a {@code CBORFactory}), used as it is. */
  public static CborSerializer of(ObjectMapper mapper) {
    return new CborSerializer(Settings.ofMapper(Format.CBOR, mapper));
  }
}
