/**
 * Runnable examples of the local transports, for the demo: {@link
 * io.communica.local.examples.LocalParentExample} (a server on a Unix socket and three child JVMs),
 * {@link io.communica.local.examples.StdioParentExample} (a child driven over its standard streams)
 * and {@link io.communica.local.examples.WorkerExample} (a foreign program driven line by line).
 */
@NullMarked
package io.communica.local.examples;

import org.jspecify.annotations.NullMarked;
