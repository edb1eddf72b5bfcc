package io.communica.hub;

import org.jspecify.annotations.Nullable;

/**
 * One emission of an event, as a subscriber receives it.
 *
 * @param event the event's name
 * @param emitter the id of the node that emitted it
 * @param sequence the emitter's sequence number, counted by the hub from 1 per emitter and event:
 *     a subscriber sees each emitter's events in increasing order
 * @param dropped how many events this subscription has lost to overflow so far (see {@link
 *     Overflow}); 0 while the subscriber keeps up
 * @param data the data, decoded with the subscriber's serializer; null when the emitter sent null
 * @param <T> the data type
 * @since 0.3
 */
public record Event<T>(String event, String emitter, long sequence, long dropped, @Nullable T data) {}
