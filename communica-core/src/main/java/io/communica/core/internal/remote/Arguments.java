package io.communica.core.internal.remote;

import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * The data of one proxy call: the session encodes it with {@code Serializer.encodeArguments}
 * instead of {@code encode}.
 *
 * @param method the interface method called
 * @param values one per parameter
 */
public record Arguments(Method method, @Nullable Object[] values) {}
