package io.communica.serializers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON through Jackson: records, POJOs, generic types, {@code byte[]} (as base64), {@code
 * java.time} types (as ISO-8601 strings), enums and {@code Optional}. The default serializer
 * whenever {@code communica-serializers} is on the class path.
 *
 * <pre>{@code
 * SimpleServer.builder(connector).serializer(new JsonSerializer())  // the default anyway
 * SimpleServer.builder(connector).serializer(JsonSerializer.validating())
 * SimpleServer.builder(connector).serializer(JsonSerializer.builder().strict().build())
 * SimpleServer.builder(connector).serializer(JsonSerializer.of(myObjectMapper))
 * }</pre>
 *
 * <p>{@code new JsonSerializer()} reads tolerantly (unknown properties are ignored, as in most
 * JSON APIs) and validates nothing; {@link #validating()} is strict and checks Bean Validation
 * constraints on both sides. Options and limits are described in {@link JacksonSerializer}.
 *
 * @since 0.1
 */
public final class JsonSerializer extends JacksonSerializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 2;

  /** JSON with communica's default mapper (see {@link #defaultMapper()}). */
  public JsonSerializer() {
    this(builder().settings());
  }

  JsonSerializer(Settings settings) {
    super(settings);
  }

  /** Options for a JSON serializer. */
  public static Builder<JsonSerializer> builder() {
    return new Builder<>(Format.JSON, JsonSerializer::new);
  }

  /** Strict JSON with Bean Validation of everything sent and received. */
  public static JsonSerializer validating() {
    return builder().validating().build();
  }

  /** JSON with an application's own mapper, used as it is (no validation). */
  public static JsonSerializer of(ObjectMapper mapper) {
    return new JsonSerializer(Settings.ofMapper(Format.JSON, mapper));
  }

  /**
   * The mapper {@link #JsonSerializer()} uses: java.time, Optional and parameter-name modules,
   * dates as ISO-8601 strings, unknown properties ignored, trailing data refused, and the limits
   * on nesting depth and number length; a fresh copy on each call.
   */
  public static JsonMapper defaultMapper() {
    return (JsonMapper) builder().mapper();
  }

  @Override
  public int priority() {
    return 100;
  }
}
