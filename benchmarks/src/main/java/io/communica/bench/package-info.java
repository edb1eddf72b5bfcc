/**
 * The end-to-end benchmark harness: communica against a raw {@code java.nio} floor and RSocket-java,
 * client and server in separate JVMs, results as JSON, CSV, Markdown tables and charts. Run {@link
 * io.communica.bench.Bench}; see the module's README.
 */
@NullMarked
package io.communica.bench;

import org.jspecify.annotations.NullMarked;
