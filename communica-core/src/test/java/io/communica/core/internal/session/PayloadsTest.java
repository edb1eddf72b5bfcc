package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.Payload;
import io.communica.core.SerializationException;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Received payloads hold their bytes of the connection's memory budget until they are closed or
 * sent on, and a reference of their own to the read buffer. (The connector contract's {@code
 * PayloadContract} checks the rest over real connections; the budget is internal to core.)
 */
@Timeout(30)
class PayloadsTest {

  static {
    LeakCheckExtension.install();
  }

  private final List<String> shed = new ArrayList<>();
  private final MemoryBudget budget = new MemoryBudget(1 << 20);
  private final MemoryBudget.Account account = budget.open(shed::add);

  private static ByteBuf read(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return Unpooled.wrappedBuffer(b);
  }

  @Test
  void aHeldPayloadCountsUntilItIsClosed() {
    ByteBuf buf = read(1000);
    Payload p = Payloads.received(buf, account);
    buf.release(); // the read buffer's own reference: the payload keeps its own
    assertThat(budget.used()).isEqualTo(1000);
    assertThat(account.held()).isEqualTo(1000);
    assertThat(p.toByteArray()).hasSize(1000).startsWith((byte) 0, (byte) 1, (byte) 2);
    p.close();
    p.close(); // once only
    assertThat(budget.used()).isZero();
    assertThat(buf.refCnt()).isZero();
    assertThat(shed).isEmpty();
  }

  @Test
  void aPayloadSentOnGivesItsBytesBackAndIsTakenOnce() {
    ByteBuf buf = read(600);
    Payload p = Payloads.received(buf, account);
    buf.release();
    assertThat(budget.used()).isEqualTo(600);
    ByteBuf content = Payloads.take(p);
    assertThat(budget.used()).isZero();
    assertThat(p.isOpen()).isFalse();
    assertThatThrownBy(() -> Payloads.take(p))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("subscribed once");
    content.release();
    assertThat(buf.refCnt()).isZero();
  }
}
