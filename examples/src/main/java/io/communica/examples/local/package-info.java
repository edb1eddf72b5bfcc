/**
 * Runnable examples of the local transports, for the demo: {@link
 * io.communica.examples.local.LocalParentExample} (a server on a Unix socket and three child JVMs),
 * {@link io.communica.examples.local.StdioParentExample} (a child driven over its standard streams)
 * and {@link io.communica.examples.local.WorkerExample} (a foreign program driven line by line).
 */
@NullMarked
package io.communica.examples.local;

import org.jspecify.annotations.NullMarked;
