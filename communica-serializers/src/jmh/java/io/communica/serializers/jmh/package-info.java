/**
 * JMH benchmarks of the serializers; run with {@code ./mvnw -q -B -DskipTests -pl
 * communica-serializers -am test-compile exec:exec@jmh}.
 */
@NullMarked
package io.communica.serializers.jmh;

import org.jspecify.annotations.NullMarked;
