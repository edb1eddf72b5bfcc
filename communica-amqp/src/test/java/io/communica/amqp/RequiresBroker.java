package io.communica.amqp;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tests that need the RabbitMQ broker. Without one they are skipped, loudly; with {@code
 * COMMUNICA_REQUIRE_BROKER=true} (as in CI) they fail instead.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(RequiresBroker.Condition.class)
@interface RequiresBroker {

  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (Broker.reachable()) {
        return ConditionEvaluationResult.enabled("broker at " + Broker.URI);
      }
      String msg =
          "NO RABBITMQ BROKER at " + Broker.URI.replaceAll("//[^@/]*@", "//")
              + ": AMQP tests of " + context.getDisplayName()
              + " skipped (set COMMUNICA_AMQP_URI, or COMMUNICA_REQUIRE_BROKER=true to fail)";
      if ("true".equals(System.getenv("COMMUNICA_REQUIRE_BROKER"))) {
        throw new IllegalStateException(msg.replace("skipped", "cannot run"));
      }
      System.err.println("WARNING: " + msg);
      return ConditionEvaluationResult.disabled(msg);
    }
  }
}
