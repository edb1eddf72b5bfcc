package io.communica.test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The leak check catches a buffer that is dropped without release. */
class LeakCheckExtensionTest {

  @Test
  void reportsALeakedBuffer() {
    leak();
    ExtensionContext context =
        (ExtensionContext)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) ->
                    method.getName().equals("getDisplayName") ? "leaky test" : null);
    assertThatThrownBy(() -> new LeakCheckExtension().afterAll(context))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("leaked buffer(s) in leaky test");
  }

  private static void leak() {
    ByteBufAllocator.DEFAULT.directBuffer(64).writeLong(42);
  }
}
