/** Serializers for communica: {@link io.communica.serializers.JsonSerializer}. */
@NullMarked
package io.communica.serializers;

import org.jspecify.annotations.NullMarked;
