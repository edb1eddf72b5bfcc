package io.communica.bench.stacks;

import java.util.function.Supplier;

/** A running benchmark server: echoes requests, counts every data message it receives. */
public interface BenchServer extends AutoCloseable {

  /** Where clients connect, as a string passed to the client process. */
  String address();

  @Override
  void close();

  /** A server whose address is computed by {@code address} and closed by {@code close}. */
  static BenchServer of(Supplier<String> address, Runnable close) {
    return new BenchServer() {
      @Override
      public String address() {
        return address.get();
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }
}
