package io.communica.bench.stacks;

/** A running benchmark server: echoes requests, counts every data message it receives. */
public interface BenchServer extends AutoCloseable {

  /** Where clients connect, as a string passed to the client process. */
  String address();

  @Override
  void close();
}
