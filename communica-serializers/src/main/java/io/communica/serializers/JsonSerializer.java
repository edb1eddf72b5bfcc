package io.communica.serializers;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON through Jackson: records, POJOs, generic types, {@code byte[]} (as base64), {@code
 * java.time} types (as ISO-8601 strings) and {@code Optional}. The default serializer whenever
 * {@code communica-serializers} is on the class path.
 *
 * <p>Input limits guard against hostile payloads: nesting deeper than 500 levels, numbers longer
 * than 1000 digits and strings over the message size are rejected with a {@link
 * SerializationException} rather than a stack overflow or an outsized allocation.
 *
 * <pre>{@code
 * SimpleServer.builder(connector).serializer(new JsonSerializer())  // the default anyway
 * SimpleServer.builder(connector).serializer(JsonSerializer.of(myObjectMapper))
 * }</pre>
 *
 * @since 0.1
 */
public final class JsonSerializer extends Serializer {

  /** Content type on the wire. */
  public static final int CONTENT_TYPE = 2;

  private final ObjectMapper mapper;
  private final ConcurrentHashMap<Type, JavaType> types = new ConcurrentHashMap<>();

  /** JSON with communica's default mapper (see {@link #defaultMapper()}). */
  public JsonSerializer() {
    this(defaultMapper());
  }

  private JsonSerializer(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** JSON with an application's own mapper. */
  public static JsonSerializer of(ObjectMapper mapper) {
    return new JsonSerializer(requireNonNull(mapper, "mapper"));
  }

  /**
   * The mapper {@link #JsonSerializer()} uses: java.time, Optional and parameter-name modules,
   * dates as ISO-8601 strings, unknown properties ignored (tolerant reading, as in most JSON APIs),
   * and stream limits on nesting depth and number length.
   */
  public static JsonMapper defaultMapper() {
    JsonMapper mapper =
        JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .addModule(new ParameterNamesModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(500)
                .maxNumberLength(1000)
                .maxStringLength(Integer.MAX_VALUE)
                .build());
    return mapper;
  }

  /** The mapper in use. */
  public ObjectMapper mapper() {
    return mapper;
  }

  @Override
  public String name() {
    return "json";
  }

  @Override
  public int contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public void encode(Object value, ByteBuf out) {
    try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
      mapper.writeValue((java.io.OutputStream) stream, value);
    } catch (JacksonException e) {
      throw new SerializationException(
          "cannot encode " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new SerializationException("cannot encode JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public Object decode(ByteBuf in, Type type) {
    JavaType javaType = types.computeIfAbsent(type, t -> mapper.getTypeFactory().constructType(t));
    try (ByteBufInputStream stream = new ByteBufInputStream(in)) {
      Object value = mapper.readValue((java.io.InputStream) stream, javaType);
      if (value == null) {
        throw new SerializationException("JSON null where a " + type.getTypeName() + " was expected");
      }
      return value;
    } catch (JacksonException e) {
      throw new SerializationException(
          "cannot decode JSON as " + type.getTypeName() + ": " + e.getOriginalMessage()
              + location(e),
          e);
    } catch (IOException e) {
      throw new SerializationException("cannot read JSON: " + e.getMessage(), e);
    }
  }

  private static String location(JacksonException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      return " (at " + m.getPathReference() + ")";
    }
    return e.getLocation() != null ? " (at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : "";
  }
}
