package io.communica.hub;

import org.jspecify.annotations.Nullable;

/**
 * A contact or request another node sent to this one through the hub.
 *
 * @param from the sender's node id
 * @param data the data, decoded with this node's serializer
 * @param <T> the data type
 * @since 0.3
 */
public record Message<T>(String from, @Nullable T data) {}
