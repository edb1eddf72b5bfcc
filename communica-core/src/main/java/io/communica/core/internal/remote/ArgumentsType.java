package io.communica.core.internal.remote;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The request type of an exposed method's handler: the session decodes requests of this type with
 * {@code Serializer.decodeArguments} into an {@code Object[]}.
 *
 * @param method the interface method
 */
public record ArgumentsType(Method method) implements Type {

  /** E.g. {@code arguments (int, int) of Calculator.add}, for error messages. */
  @Override
  public String getTypeName() {
    return "arguments "
        + Arrays.stream(method.getGenericParameterTypes())
            .map(Type::getTypeName)
            .collect(Collectors.joining(", ", "(", ")"))
        + " of " + method.getDeclaringClass().getSimpleName() + "." + method.getName();
  }

  @Override
  public String toString() {
    return getTypeName();
  }
}
