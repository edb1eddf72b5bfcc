/**
 * Child processes that do not speak communica's protocol: {@link io.communica.local.worker.Worker}
 * drives a line-oriented program (lines in, lines out). {@link
 * io.communica.local.worker.LineReader} and {@link io.communica.local.worker.Processes} are shared
 * with {@link io.communica.local.StdioConnector}, which runs a child that does speak it.
 */
@NullMarked
package io.communica.local.worker;

import org.jspecify.annotations.NullMarked;
