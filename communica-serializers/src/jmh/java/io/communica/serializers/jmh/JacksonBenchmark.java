package io.communica.serializers.jmh;

import io.communica.serializers.CborSerializer;
import io.communica.serializers.JacksonSerializer;
import io.communica.serializers.JsonSerializer;
import io.communica.serializers.MessagePackSerializer;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/** JSON, MessagePack and CBOR, tolerant and validating, on the small and the large message. */
public class JacksonBenchmark extends SerializerBenchmark {

  @Param({"json", "json-validating", "msgpack", "msgpack-validating", "cbor", "cbor-validating"})
  public String serializer;

  @Param({"small", "large"})
  public String message;

  @Setup
  public void setup() {
    JacksonSerializer.Builder<?> builder =
        switch (serializer.substring(0, serializer.indexOf('-') < 0 ? serializer.length() : serializer.indexOf('-'))) {
          case "json" -> JsonSerializer.builder();
          case "msgpack" -> MessagePackSerializer.builder();
          default -> CborSerializer.builder();
        };
    if (serializer.endsWith("-validating")) {
      builder.validating();
    }
    prepare(builder.build(), message.equals("small") ? Messages.sample() : Messages.batch());
  }
}
