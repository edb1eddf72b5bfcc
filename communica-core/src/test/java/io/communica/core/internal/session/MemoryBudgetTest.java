package io.communica.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.communica.core.frame.FrameHeader;
import io.communica.core.frame.FrameType;
import io.communica.test.LeakCheckExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MemoryBudgetTest {

  static {
    LeakCheckExtension.install();
  }

  private final List<String> shed = new ArrayList<>();

  @Test
  void reservationsWithinTheLimitAreGrantedAndGivenBack() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Account a = budget.open(shed::add);
    assertThat(a.reserve(600)).isTrue();
    assertThat(a.reserve(400)).isTrue();
    assertThat(budget.used()).isEqualTo(1000);
    a.release(700);
    assertThat(a.held()).isEqualTo(300);
    assertThat(budget.used()).isEqualTo(300);
    assertThat(shed).isEmpty();
  }

  @Test
  void aReservationThatMayWaitIsGrantedOnlyWithinTheLimitAndShedsNobody() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Account big = budget.open(reason -> shed.add("big: " + reason));
    MemoryBudget.Account small = budget.open(reason -> shed.add("small: " + reason));
    assertThat(big.reserve(900)).isTrue();
    assertThat(small.tryReserve(100)).isTrue();
    // at the limit: refused, where reserve would shed the big holder and go on
    assertThat(small.tryReserve(1)).isFalse();
    assertThat(shed).isEmpty();
    assertThat(budget.used()).isEqualTo(1000);
    assertThat(small.held()).isEqualTo(100);
    small.close();
    assertThat(small.tryReserve(1)).as("a closed account").isFalse();
    assertThat(budget.used()).isEqualTo(900);
  }

  @Test
  void pastTheLimitTheLargestOtherHolderIsShedAndTheSmallOneWaitsWithinTheHardLimit() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Account big = budget.open(reason -> shed.add("big: " + reason));
    MemoryBudget.Account small = budget.open(reason -> shed.add("small: " + reason));
    assertThat(big.reserve(900)).isTrue();
    assertThat(small.reserve(50)).isTrue();
    // past 1000: the big one is told to go, the small one's bytes are granted (hard limit 1500)
    assertThat(small.reserve(100)).isTrue();
    assertThat(shed).hasSize(1);
    assertThat(shed.get(0)).startsWith("big: ").contains("memory budget of 1000 bytes", "900 bytes");
    // asked once only
    assertThat(small.reserve(100)).isTrue();
    assertThat(shed).hasSize(1);
    // beyond the hard limit nothing is granted, even to a small holder
    assertThat(small.reserve(500)).isFalse();
    assertThat(budget.used()).isEqualTo(1150);
    big.close();
    assertThat(budget.used()).isEqualTo(250);
    assertThat(small.reserve(500)).isTrue();
  }

  @Test
  void theLargestHolderItselfIsRefused() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Account big = budget.open(shed::add);
    MemoryBudget.Account small = budget.open(shed::add);
    assertThat(small.reserve(10)).isTrue();
    assertThat(big.reserve(990)).isTrue();
    assertThat(big.reserve(1)).isFalse();
    assertThat(shed).isEmpty();
    assertThat(big.held()).isEqualTo(990);
    assertThat(budget.used()).isEqualTo(1000);
  }

  @Test
  void theLargestOfTheOpenAccountsIsShedWhicheverWereClosedBefore() {
    MemoryBudget budget = new MemoryBudget(1000);
    List<MemoryBudget.Account> accounts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String name = "a" + i;
      accounts.add(budget.open(reason -> shed.add(name)));
    }
    // each holds more than the one opened before it
    for (int i = 0; i < 6; i++) {
      assertThat(accounts.get(i).reserve(100 + 10 * i)).isTrue();
    }
    // the first opened, one in the middle and the last opened close (twice: the second does nothing)
    for (int i : new int[] {0, 3, 5, 5}) {
      accounts.get(i).close();
    }
    assertThat(budget.openAccounts()).isEqualTo(3);
    assertThat(budget.used()).isEqualTo(110 + 120 + 140);
    // a new account takes the budget past its limit: the largest open holder goes, a4 (140)
    MemoryBudget.Account late = budget.open(reason -> shed.add("late"));
    assertThat(late.reserve(700)).isTrue();
    assertThat(shed).containsExactly("a4");
    // with a4 closed too, the next past the limit is the late one itself, the largest left
    accounts.get(4).close();
    assertThat(accounts.get(1).reserve(200)).isTrue();
    assertThat(shed).containsExactly("a4", "late");
    for (MemoryBudget.Account a : accounts) {
      a.close();
    }
    late.close();
    assertThat(budget.openAccounts()).isZero();
  }

  @Test
  void aClosedAccountGivesEverythingBackOnceAndTakesNothingMore() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Account a = budget.open(shed::add);
    assertThat(a.reserve(300)).isTrue();
    a.close();
    assertThat(budget.used()).isZero();
    a.release(300); // a blocking handler finishing after the close
    a.close();
    assertThat(budget.used()).isZero();
    assertThat(a.reserve(1)).isFalse();
    assertThat(budget.used()).isZero();
  }

  @Test
  void theBudgetIsReadFromBytesSuffixesOrAPercentage() {
    long max = 1L << 30;
    assertThat(MemoryBudget.parse("268435456", max)).isEqualTo(268435456L);
    assertThat(MemoryBudget.parse("64k", max)).isEqualTo(64L << 10);
    assertThat(MemoryBudget.parse("256M", max)).isEqualTo(256L << 20);
    assertThat(MemoryBudget.parse("2g", max)).isEqualTo(2L << 30);
    assertThat(MemoryBudget.parse("25%", max)).isEqualTo(max / 4);
    for (String bad : List.of("", "-1", "0", "12x", "150%", "0%", "lots")) {
      assertThatThrownBy(() -> MemoryBudget.parse(bad, max))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-Dcommunica.memoryBudget=" + bad)
          .hasMessageContaining("256m");
    }
  }

  @Test
  void reassemblyTakesItsBuffersFromTheBudgetAndTheReaderShedsTheConnectionWhenRefused() {
    MemoryBudget budget = new MemoryBudget(16 * 1024);
    MemoryBudget.Account account = budget.open(shed::add);
    List<String> overloaded = new ArrayList<>();
    FrameHandler handler = new RecordingHandler(overloaded);
    FrameReader reader =
        new FrameReader(handler, ByteBufAllocator.DEFAULT, account, 1 << 20, 16);
    read(reader, fragment(1, FrameHeader.FLAG_FOLLOWS, 2048));
    assertThat(account.held()).isEqualTo(4 * 2048); // the first buffer: four times the fragment
    for (int i = 0; i < 3 && overloaded.isEmpty(); i++) {
      read(reader, fragment(1, FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED, 8192));
    }
    assertThat(overloaded).singleElement().asString().contains("memory budget of 16384 bytes");
    assertThat(account.held()).isLessThanOrEqualTo(16 * 1024);
    reader.close();
    assertThat(account.held()).isZero();
    assertThat(budget.used()).isZero();
  }

  @Test
  void aCompletedMessageGivesItsBufferBack() {
    MemoryBudget budget = new MemoryBudget(1 << 20);
    MemoryBudget.Account account = budget.open(shed::add);
    List<String> overloaded = new ArrayList<>();
    FrameReader reader =
        new FrameReader(new RecordingHandler(overloaded), ByteBufAllocator.DEFAULT, account, 1 << 20, 16);
    read(reader, fragment(7, FrameHeader.FLAG_FOLLOWS, 4096));
    read(reader, fragment(7, FrameHeader.FLAG_FOLLOWS | FrameHeader.FLAG_CONTINUED, 20_000));
    assertThat(account.held()).isPositive();
    read(reader, fragment(7, FrameHeader.FLAG_CONTINUED, 100));
    assertThat(account.held()).isZero();
    assertThat(overloaded).isEmpty();
    reader.close();
  }

  private static void read(FrameReader reader, ByteBuf frame) {
    try {
      reader.read(frame);
    } finally {
      frame.release();
    }
  }

  private static ByteBuf fragment(int id, int flags, int payload) {
    ByteBuf b = Unpooled.buffer(FrameHeader.SIZE + payload);
    FrameHeader.write(b, FrameType.MESSAGE, flags, 1, id, 0, 0);
    b.writeZero(payload);
    return b;
  }

  /** Takes every frame; records what the reader says about memory. */
  private static final class RecordingHandler extends FrameRecorder {
    private final List<String> overloaded;

    RecordingHandler(List<String> overloaded) {
      this.overloaded = overloaded;
    }

    @Override
    public void protocolError(String reason) {
      throw new AssertionError("protocol error: " + reason);
    }

    @Override
    public void overloaded(String reason) {
      overloaded.add(reason);
    }
  }
}
