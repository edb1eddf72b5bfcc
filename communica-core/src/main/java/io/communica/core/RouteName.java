package io.communica.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The route of a method of an interface called remotely ({@link RouteServer#expose}, {@link
 * RouteClient#proxy}), in place of the default {@code InterfaceSimpleName.methodName}. Overloaded
 * methods need one each, since a route names one method:
 *
 * <pre>{@code
 * interface Calculator {
 *   int add(int a, int b);                          // route "Calculator.add"
 *   @RouteName("add.double") double add(double a, double b);
 * }
 * }</pre>
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RouteName {

  /** The route, as exact as any other route string. */
  String value();
}
