package io.communica.serializers;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MutableCoercionConfig;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.AnnotatedParameter;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.communica.core.SerializationException;
import io.communica.core.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hibernate.validator.HibernateValidator;
import org.jspecify.annotations.Nullable;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.msgpack.jackson.dataformat.MessagePackMapper;

/**
 * The serializers built on Jackson — {@link JsonSerializer}, {@link MessagePackSerializer} and
 * {@link CborSerializer} — with one set of options: how strictly data must match its Java type,
 * Jakarta Bean Validation on both sides, and limits against hostile input.
 *
 * <pre>{@code
 * // strict reading and Bean Validation of everything sent and received
 * Serializer json = JsonSerializer.validating();
 * Serializer msgpack = MessagePackSerializer.builder().validating().maxStringLength(65_536).build();
 * // tolerant reading (unknown properties ignored), no validation: the default
 * Serializer cbor = new CborSerializer();
 * }</pre>
 *
 * <h2>Strict reading</h2>
 *
 * Four checks, each off by default and all on with {@link Builder#strict()} or {@link
 * Builder#validating()}: {@linkplain Builder#failOnUnknownProperties unknown properties}, {@code
 * null} for {@linkplain Builder#failOnNullForPrimitives primitives}, {@linkplain
 * Builder#failOnNumericCoercion coercion} between strings, numbers and booleans, and {@linkplain
 * Builder#failOnMissingProperties missing properties} of records and other creator-built types.
 *
 * <h2>Violations</h2>
 *
 * Data that does not fit its type, or breaks a Bean Validation constraint, is a {@link
 * SerializationException} whose message lists each violation on its own line, with its property
 * path, in the format {@link Violation} documents and parses:
 *
 * <pre>
 * invalid com.example.Order (2 violations):
 *   customer.name: must not be blank
 *   items[2].price: must be greater than 0
 * </pre>
 *
 * On the sending side the value is validated before anything is written, so the call fails
 * locally; on the receiving side a request that does not decode or validate is answered with a
 * {@link io.communica.core.RequestException} carrying the same list (the handler is not called),
 * and a reply that does not fails the request.
 *
 * <h2>Limits</h2>
 *
 * Nesting deeper than {@value #DEFAULT_MAX_NESTING_DEPTH} levels and numbers longer than {@value
 * #DEFAULT_MAX_NUMBER_LENGTH} characters are refused by default with a {@link
 * SerializationException}, in every format; strings are bounded by the message size unless {@link
 * Builder#maxStringLength} sets a lower bound. Nothing is allocated by a length the input declares
 * before the bytes are there.
 *
 * <p>Instances are immutable and thread-safe. Only the three classes above extend this one.
 *
 * @since 0.1
 */
public abstract sealed class JacksonSerializer extends Serializer
    permits JsonSerializer, MessagePackSerializer, CborSerializer {

  /** Default for {@link Builder#maxNestingDepth}: 500 levels. */
  public static final int DEFAULT_MAX_NESTING_DEPTH = 500;

  /** Default for {@link Builder#maxNumberLength}: 1000 characters. */
  public static final int DEFAULT_MAX_NUMBER_LENGTH = 1000;

  /** The data formats, with what differs between them. */
  enum Format {
    JSON("json", 2),
    MSGPACK("msgpack", 3),
    CBOR("cbor", 4);

    final String label;
    final int contentType;

    Format(String label, int contentType) {
      this.label = label;
      this.contentType = contentType;
    }

    JsonFactory newFactory() {
      return switch (this) {
        case JSON -> new JsonFactory();
        case MSGPACK -> new MessagePackFactory();
        case CBOR -> new CBORFactory();
      };
    }

    boolean owns(JsonFactory factory) {
      return switch (this) {
        case JSON -> !(factory instanceof MessagePackFactory)
            && factory.getFormatName().equals(JsonFactory.FORMAT_NAME_JSON);
        case MSGPACK -> factory instanceof MessagePackFactory;
        case CBOR -> factory instanceof CBORFactory;
      };
    }
  }

  private final Format format;
  private final ObjectMapper mapper;
  private final @Nullable Validator validator;
  private final int maxNestingDepth;
  private final int maxStringLength;
  private final String description;
  private final Object configuration;
  private final ConcurrentHashMap<Type, ObjectReader> readers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Type, ObjectReader> elementReaders = new ConcurrentHashMap<>();

  JacksonSerializer(Settings settings) {
    this.format = settings.format();
    this.mapper = settings.mapper();
    this.validator = settings.validator();
    this.maxNestingDepth = settings.maxNestingDepth();
    this.maxStringLength = settings.maxStringLength();
    this.description = settings.description();
    this.configuration = settings.configuration();
  }

  /** An object compared by identity inside a configuration (a mapper, validator, customizer). */
  private record Identity(Object target) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Identity other && other.target == target;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(target);
    }
  }

  /**
   * Equal when of one class and built with the same settings: {@code new JsonSerializer()} twice is
   * one serializer; plain and validating JSON, or two different mappers, are two.
   */
  @Override
  public final boolean equals(Object other) {
    return other != null
        && other.getClass() == getClass()
        && ((JacksonSerializer) other).configuration.equals(configuration);
  }

  @Override
  public final int hashCode() {
    return configuration.hashCode();
  }

  /**
   * The validator {@link Builder#validating()} uses: Hibernate Validator with messages in English
   * whatever the JVM's locale, since they travel to a peer. Built on first use (it takes a moment)
   * and shared.
   */
  public static Validator defaultValidator() {
    return DefaultValidator.VALIDATOR;
  }

  private static final class DefaultValidator {
    static final Validator VALIDATOR = newValidator();
  }

  static Validator newValidator() {
    return Validation.byProvider(HibernateValidator.class)
        .configure()
        .defaultLocale(Locale.ENGLISH)
        .locales(Locale.ENGLISH)
        .buildValidatorFactory()
        .getValidator();
  }

  /** The mapper in use. */
  public final ObjectMapper mapper() {
    return mapper;
  }

  /** Whether values are checked with Bean Validation when sent and received. */
  public final boolean isValidating() {
    return validator != null;
  }

  @Override
  public final String name() {
    return format.label;
  }

  @Override
  public final int contentType() {
    return format.contentType;
  }

  /** E.g. {@code json serializer (content type 2, strict, validating)}. */
  @Override
  public final String toString() {
    return description;
  }

  @Override
  public final void encode(Object value, ByteBuf out) {
    if (validator != null) {
      validate(validator, value);
    }
    write(value, value.getClass().getName(), out);
  }

  /**
   * Writes the arguments as one array of the format (JSON {@code [1, 2]}), each element as {@link
   * #encode} would write it; a validating serializer first checks each argument, against its
   * parameter's constraints ({@code @Positive int amount}) and as a bean, and names the parameter
   * in each violation ({@code amount: must be greater than 0}).
   */
  @Override
  public final void encodeArguments(Method method, @Nullable Object[] arguments, ByteBuf out) {
    if (validator != null) {
      validateArguments(validator, method, arguments);
    }
    write(arguments, "the arguments of " + method.getName(), out);
  }

  private void write(Object value, String what, ByteBuf out) {
    try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
      mapper.writeValue((OutputStream) stream, value);
    } catch (IllegalArgumentException e) {
      // what msgpack's generator throws for values it cannot represent
      throw new SerializationException(
          "cannot encode " + what + " as " + format.label + ": " + e.getMessage(), e);
    } catch (JacksonException e) {
      throw new SerializationException(
          "cannot encode " + what + " as " + format.label + ": "
              + Violations.clean(e.getOriginalMessage()),
          e);
    } catch (IOException e) {
      throw new SerializationException("cannot encode " + format.label + ": " + e.getMessage(), e);
    }
  }

  @Override
  public final Object decode(ByteBuf in, Type type) {
    Input input = input(in);
    ObjectReader reader = reader(type);
    Object value;
    try {
      value = format == Format.MSGPACK ? readMessagePack(reader, input) : input.read(reader);
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof StreamReadException syntax
          && !(syntax instanceof InputCoercionException)) {
        // malformed input or a limit, found while mapping: not a violation of the type
        throw malformed(type, syntax);
      }
      throw new SerializationException(Violations.fromJackson(format.label, type, e), e);
    } catch (JacksonException e) {
      throw malformed(type, e);
    } catch (IOException e) {
      throw new SerializationException("cannot read " + format.label + ": " + e.getMessage(), e);
    }
    if (value == null) {
      throw new SerializationException(
          format.label + " null where a " + type.getTypeName() + " was expected");
    }
    in.skipBytes(input.length());
    if (validator != null) {
      validate(validator, value);
    }
    return value;
  }

  /**
   * Reads the array {@link #encodeArguments} writes, each element into its parameter's generic
   * type; exactly one element per parameter. A violation's path starts with the parameter's name
   * ({@code points[1].x: ...}).
   */
  @Override
  public final @Nullable Object[] decodeArguments(ByteBuf in, Method method) {
    Input input = input(in);
    Type[] types = method.getGenericParameterTypes();
    @Nullable Object[] arguments = new Object[types.length];
    String summary = "cannot decode " + format.label + " as the arguments of " + method.getName();
    int i = 0;
    try (JsonParser parser = parser(input)) {
      if (parser.nextToken() != JsonToken.START_ARRAY) {
        throw new SerializationException(summary + ": not an array");
      }
      for (; i < types.length; i++) {
        if (parser.nextToken() == JsonToken.END_ARRAY) {
          throw new SerializationException(
              summary + ": " + i + " of " + types.length + " arguments");
        }
        arguments[i] = elementReader(types[i]).readValue(parser);
      }
      if (parser.nextToken() != JsonToken.END_ARRAY) {
        throw new SerializationException(summary + ": more than " + types.length + " arguments");
      }
      if (format != Format.MSGPACK && parser.nextToken() != null) {
        throw new SerializationException(summary + ": data after the array");
      }
    } catch (JsonMappingException e) {
      String name = method.getParameters()[i].getName();
      if (e.getCause() instanceof StreamReadException syntax
          && !(syntax instanceof InputCoercionException)) {
        throw malformed(types[i], syntax);
      }
      throw new SerializationException(Violations.fromJackson(summary, name, e), e);
    } catch (JacksonException e) {
      throw malformed(i < types.length ? types[i] : Object[].class, e);
    } catch (IOException e) {
      throw new SerializationException("cannot read " + format.label + ": " + e.getMessage(), e);
    }
    in.skipBytes(input.length());
    if (validator != null) {
      validateArguments(validator, method, arguments);
    }
    return arguments;
  }

  /** The readable bytes of a buffer as an array slice, without a copy when it has an array. */
  private record Input(byte[] bytes, int offset, int length) {
    @Nullable Object read(ObjectReader reader) throws IOException {
      return reader.readValue(bytes, offset, length);
    }
  }

  private Input input(ByteBuf in) {
    int length = in.readableBytes();
    Input input =
        in.hasArray()
            ? new Input(in.array(), in.arrayOffset() + in.readerIndex(), length)
            : new Input(ByteBufUtil.getBytes(in, in.readerIndex(), length, false), 0, length);
    if (format == Format.MSGPACK) {
      // msgpack's Jackson parser applies no nesting limit; check the structure first
      MessagePackScanner.check(
          input.bytes(), input.offset(), length, maxNestingDepth, maxStringLength);
    }
    return input;
  }

  private ObjectReader reader(Type type) {
    return readers.computeIfAbsent(type, t -> mapper.readerFor(mapper.constructType(t)));
  }

  /** A reader of one value inside an array: the array's other values are not trailing data. */
  private ObjectReader elementReader(Type type) {
    return elementReaders.computeIfAbsent(
        type, t -> reader(t).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
  }

  private JsonParser parser(Input input) throws IOException {
    JsonParser parser =
        mapper.getFactory().createParser(input.bytes(), input.offset(), input.length());
    return format == Format.MSGPACK ? new MessagePackNumbers(parser) : parser;
  }

  private @Nullable Object readMessagePack(ObjectReader reader, Input input) throws IOException {
    try (JsonParser parser = parser(input)) {
      return reader.readValue(parser);
    }
  }

  private SerializationException malformed(Type type, JacksonException e) {
    return new SerializationException(
        "cannot decode " + format.label + " as " + type.getTypeName() + ": "
            + Violations.clean(e.getOriginalMessage()) + Violations.location(e),
        e);
  }

  /**
   * Checks {@code value} with Bean Validation; the elements of a collection, map or array at the
   * top level are checked one by one, with their index or key at the start of the path.
   */
  private static void validate(Validator validator, Object value) {
    List<Violation> found = null;
    if (value instanceof Iterable<?> items) {
      int i = 0;
      for (Object item : items) {
        found = validate(validator, item, i++, found);
      }
    } else if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        found = validate(validator, e.getValue(), e.getKey(), found);
      }
    } else if (value instanceof Object[] array) {
      for (int i = 0; i < array.length; i++) {
        found = validate(validator, array[i], i, found);
      }
    } else {
      found = validate(validator, value, null, null);
    }
    if (found != null) {
      throw new SerializationException(
          Violations.format("invalid " + value.getClass().getName(), found));
    }
  }

  /**
   * Checks the arguments of a call: each against its parameter's constraints (Bean Validation's
   * executable validation) and, like any value, as a bean; each violation's path starts with the
   * parameter's name.
   */
  private static void validateArguments(
      Validator validator, Method method, @Nullable Object[] arguments) {
    Set<Violation> found = new LinkedHashSet<>();
    Object stub = Stubs.STUBS.get(method.getDeclaringClass());
    for (ConstraintViolation<Object> v :
        validator.forExecutables().validateParameters(stub, method, arguments)) {
      found.add(Violations.of("", v));
    }
    Parameter[] parameters = method.getParameters();
    for (int i = 0; i < arguments.length; i++) {
      Object value = arguments[i];
      String name = parameters[i].getName();
      List<Violation> list = null;
      if (value instanceof Iterable<?> items) {
        int k = 0;
        for (Object item : items) {
          list = validateUnder(validator, item, name + "[" + k++ + "]", list);
        }
      } else if (value instanceof Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
          list = validateUnder(validator, e.getValue(), name + "[" + e.getKey() + "]", list);
        }
      } else if (value instanceof Object[] array) {
        for (int k = 0; k < array.length; k++) {
          list = validateUnder(validator, array[k], name + "[" + k + "]", list);
        }
      } else {
        list = validateUnder(validator, value, name, list);
      }
      if (list != null) {
        found.addAll(list);
      }
    }
    if (!found.isEmpty()) {
      throw new SerializationException(
          Violations.format(
              "invalid arguments of " + method.getDeclaringClass().getSimpleName() + "."
                  + method.getName(),
              new ArrayList<>(found)));
    }
  }

  /**
   * An object of each interface for Bean Validation's executable validation, which validates the
   * parameters of a method "of an object": it needs one only to find the method's constraints.
   */
  private static final class Stubs {
    static final ClassValue<Object> STUBS =
        new ClassValue<>() {
          @Override
          protected Object computeValue(Class<?> type) {
            return Proxy.newProxyInstance(
                type.getClassLoader(),
                new Class<?>[] {type},
                (proxy, m, args) -> {
                  throw new UnsupportedOperationException("a stand-in for validation");
                });
          }
        };
  }

  /** Adds the violations of one value, under {@code [key]} unless the key is null, to a list. */
  private static @Nullable List<Violation> validate(
      Validator validator, @Nullable Object value, @Nullable Object key, @Nullable List<Violation> found) {
    return validateUnder(validator, value, key == null ? "" : "[" + key + "]", found);
  }

  /** Adds the violations of one value, their paths under {@code prefix}, to a list. */
  private static @Nullable List<Violation> validateUnder(
      Validator validator, @Nullable Object value, String prefix, @Nullable List<Violation> found) {
    if (value == null) {
      return found;
    }
    Set<ConstraintViolation<Object>> set = validator.validate(value);
    if (set.isEmpty()) {
      return found;
    }
    List<Violation> list = found != null ? found : new ArrayList<>();
    for (ConstraintViolation<?> v : set) {
      list.add(Violations.of(prefix, v));
    }
    return list;
  }

  /** What a {@link Builder} produced, handed to the concrete class's constructor. */
  record Settings(
      Format format,
      ObjectMapper mapper,
      @Nullable Validator validator,
      int maxNestingDepth,
      int maxStringLength,
      String description,
      Object configuration) {

    /** An application's own mapper, used as it is. */
    static Settings ofMapper(Format format, ObjectMapper mapper) {
      requireNonNull(mapper, "mapper");
      if (!format.owns(mapper.getFactory())) {
        throw new IllegalArgumentException(
            "a " + format.label + " serializer needs a mapper for " + format.label + ", not one with "
                + mapper.getFactory().getClass().getName());
      }
      int depth = mapper.getFactory().streamReadConstraints().getMaxNestingDepth();
      return new Settings(
          format,
          mapper,
          null,
          depth,
          Integer.MAX_VALUE,
          format.label + " serializer (content type " + format.contentType + ", own mapper)",
          // an application's mapper may be configured in any way: equal only to itself
          new Identity(mapper));
    }
  }

  /**
   * Configures a Jackson-based serializer. Starts from the defaults of the serializer's public
   * constructor: tolerant reading, no validation, the default limits.
   *
   * @param <S> the serializer built
   */
  public static final class Builder<S extends JacksonSerializer> {
    private final Format format;
    private final Function<Settings, S> factory;
    private boolean failOnUnknownProperties;
    private boolean failOnNullForPrimitives;
    private boolean failOnNumericCoercion;
    private boolean failOnMissingProperties;
    private @Nullable Validator validator;
    private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
    private int maxNumberLength = DEFAULT_MAX_NUMBER_LENGTH;
    private int maxStringLength = Integer.MAX_VALUE;
    private final List<Consumer<? super ObjectMapper>> customizers = new ArrayList<>();

    Builder(Format format, Function<Settings, S> factory) {
      this.format = format;
      this.factory = factory;
    }

    /** Turns on all four strict checks; call the single setters afterwards to relax one. */
    public Builder<S> strict() {
      failOnUnknownProperties = true;
      failOnNullForPrimitives = true;
      failOnNumericCoercion = true;
      failOnMissingProperties = true;
      return this;
    }

    /**
     * Strict checks plus Bean Validation with the {@linkplain #defaultValidator() default
     * validator}. Call the single setters afterwards to relax a check.
     */
    public Builder<S> validating() {
      return strict().validator(defaultValidator());
    }

    /** Bean Validation with an application's own validator (does not change the strict checks). */
    public Builder<S> validator(Validator validator) {
      this.validator = requireNonNull(validator, "validator");
      return this;
    }

    /** A property the type does not have is an error (default: ignored). */
    public Builder<S> failOnUnknownProperties(boolean fail) {
      failOnUnknownProperties = fail;
      return this;
    }

    /** {@code null} for a primitive ({@code int}, {@code boolean} ...) is an error (default: 0). */
    public Builder<S> failOnNullForPrimitives(boolean fail) {
      failOnNullForPrimitives = fail;
      return this;
    }

    /**
     * No conversion between strings, numbers and booleans ({@code "5"} or {@code 5.0} for an
     * {@code int}, {@code 1} for a {@code boolean}, {@code 5} for a {@code String}, a number for an
     * enum) — such input is an error. Integers still widen to floating point. Default: converted.
     */
    public Builder<S> failOnNumericCoercion(boolean fail) {
      failOnNumericCoercion = fail;
      return this;
    }

    /**
     * A component of a record (or a parameter of any other {@code @JsonCreator}) absent from the
     * input is an error, except where its type is {@code Optional}, {@code OptionalInt}, {@code
     * OptionalLong} or {@code OptionalDouble}, or it is marked {@code
     * @JsonProperty(required = false)}. An explicit {@code null} is not absent (Bean Validation's
     * {@code @NotNull} catches it). An absent primitive is also refused by {@link
     * #failOnNullForPrimitives}. Default: absent components are {@code null}, zero or empty.
     */
    public Builder<S> failOnMissingProperties(boolean fail) {
      failOnMissingProperties = fail;
      return this;
    }

    /** Deepest nesting of arrays and objects accepted (default {@value #DEFAULT_MAX_NESTING_DEPTH}). */
    public Builder<S> maxNestingDepth(int depth) {
      this.maxNestingDepth = positive(depth, "depth");
      return this;
    }

    /** Longest number accepted, in characters (default {@value #DEFAULT_MAX_NUMBER_LENGTH}). */
    public Builder<S> maxNumberLength(int length) {
      this.maxNumberLength = positive(length, "length");
      return this;
    }

    /**
     * Longest string accepted, in characters (msgpack: bytes of UTF-8); byte arrays written as
     * base64 in JSON count as strings, binary ones in msgpack and CBOR do not. Default: no limit of
     * its own; the message size bounds it.
     */
    public Builder<S> maxStringLength(int length) {
      this.maxStringLength = positive(length, "length");
      return this;
    }

    /**
     * Changes the mapper after communica configured it, e.g. {@code m ->
     * m.registerModule(myModule)}. Applied in the order given.
     */
    public Builder<S> configure(Consumer<? super ObjectMapper> customizer) {
      customizers.add(requireNonNull(customizer, "customizer"));
      return this;
    }

    /** The serializer. */
    public S build() {
      return factory.apply(settings());
    }

    Settings settings() {
      ObjectMapper mapper = mapper();
      for (Consumer<? super ObjectMapper> c : customizers) {
        c.accept(mapper);
      }
      return new Settings(
          format, mapper, validator, maxNestingDepth, maxStringLength, describe(), configuration());
    }

    ObjectMapper mapper() {
      JsonFactory jsonFactory = format.newFactory();
      jsonFactory.setStreamReadConstraints(
          StreamReadConstraints.builder()
              .maxNestingDepth(maxNestingDepth)
              .maxNumberLength(maxNumberLength)
              .maxStringLength(maxStringLength)
              .build());
      ObjectMapper mapper =
          switch (format) {
            case JSON -> new JsonMapper(jsonFactory);
            // msgpack has no decimal type and integers of 64 bits at most: big numbers as strings
            case MSGPACK -> new MessagePackMapper((MessagePackFactory) jsonFactory)
                .handleBigIntegerAndBigDecimalAsString();
            case CBOR -> new ObjectMapper(jsonFactory);
          };
      if (failOnMissingProperties) {
        // before the modules: they add their own introspectors next to this one
        mapper.setAnnotationIntrospector(new RequiredCreatorProperties());
      }
      mapper.registerModule(new JavaTimeModule());
      mapper.registerModule(new Jdk8Module());
      mapper.registerModule(new ParameterNamesModule());
      mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
      // msgpack's parser fails at the end of input instead of reporting it; the scanner checks
      mapper.configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, format != Format.MSGPACK);
      mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, failOnUnknownProperties);
      mapper.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, failOnNullForPrimitives);
      if (failOnNumericCoercion) {
        mapper.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        refuse(mapper, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.Float,
            CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean);
        refuse(mapper, LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.Integer,
            CoercionInputShape.Float);
        refuse(mapper, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float,
            CoercionInputShape.Boolean);
        if (format == Format.MSGPACK) {
          mapper.coercionConfigFor(BigInteger.class)
              .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
          mapper.coercionConfigFor(BigDecimal.class)
              .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        }
      }
      return mapper;
    }

    private static void refuse(ObjectMapper mapper, LogicalType type, CoercionInputShape... from) {
      MutableCoercionConfig config = mapper.coercionConfigFor(type);
      for (CoercionInputShape shape : from) {
        config.setCoercion(shape, CoercionAction.Fail);
      }
    }

    /** Everything that changes what the built serializer writes or accepts, for equals. */
    private Object configuration() {
      return Arrays.asList(
          format,
          failOnUnknownProperties,
          failOnNullForPrimitives,
          failOnNumericCoercion,
          failOnMissingProperties,
          validator == null ? null : new Identity(validator),
          maxNestingDepth,
          maxNumberLength,
          maxStringLength,
          customizers.stream().map(Identity::new).toList());
    }

    private String describe() {
      List<String> traits = new ArrayList<>();
      int strictness =
          (failOnUnknownProperties ? 1 : 0) + (failOnNullForPrimitives ? 1 : 0)
              + (failOnNumericCoercion ? 1 : 0) + (failOnMissingProperties ? 1 : 0);
      if (strictness == 4) {
        traits.add("strict");
      } else if (strictness > 0) {
        traits.add("partly strict");
      }
      if (validator != null) {
        traits.add("validating");
      }
      return format.label + " serializer (content type " + format.contentType
          + (traits.isEmpty() ? "" : ", " + String.join(", ", traits)) + ")";
    }

    private static int positive(int value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }
  }

  /**
   * Marks creator parameters as required unless their type says they are optional, so that an
   * absent {@code Optional} component stays legal while an absent {@code int} is an error.
   * (Jackson's {@code FAIL_ON_MISSING_CREATOR_PROPERTIES} makes no such exception.)
   */
  private static final class RequiredCreatorProperties extends JacksonAnnotationIntrospector {
    @Override
    public @Nullable Boolean hasRequiredMarker(AnnotatedMember member) {
      Boolean explicit = super.hasRequiredMarker(member);
      if (explicit != null) {
        return explicit;
      }
      if (member instanceof AnnotatedParameter p) {
        Class<?> raw = p.getRawType();
        boolean optional =
            raw == Optional.class || raw == OptionalInt.class || raw == OptionalLong.class
                || raw == OptionalDouble.class;
        return optional ? null : Boolean.TRUE;
      }
      return null;
    }
  }
}
