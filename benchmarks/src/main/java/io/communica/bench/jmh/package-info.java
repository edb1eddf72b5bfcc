/**
 * JMH microbenchmarks of communica's frame codec, error frames, serializers and request
 * correlation, run on demand with {@code java -jar benchmarks/target/benchmarks.jar jmh}.
 */
@NullMarked
package io.communica.bench.jmh;

import org.jspecify.annotations.NullMarked;
