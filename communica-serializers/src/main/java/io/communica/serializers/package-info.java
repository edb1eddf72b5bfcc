/**
 * Serializers for communica: JSON ({@link io.communica.serializers.JsonSerializer}, the default),
 * MessagePack and CBOR, each optionally strict and validating (see {@link
 * io.communica.serializers.JacksonSerializer}), and {@link
 * io.communica.serializers.FixedLayoutSerializer} for small fixed-size messages of primitives.
 */
@NullMarked
package io.communica.serializers;

import org.jspecify.annotations.NullMarked;
