package io.communica.serializers.jmh;

import io.communica.serializers.FixedLayoutSerializer;
import org.openjdk.jmh.annotations.Setup;

/** The small message through the fixed-layout serializer (it carries only flat primitives). */
public class FixedLayoutBenchmark extends SerializerBenchmark {

  @Setup
  public void setup() {
    prepare(
        FixedLayoutSerializer.builder().register(1, Messages.Sample.class).build(),
        Messages.sample());
  }
}
