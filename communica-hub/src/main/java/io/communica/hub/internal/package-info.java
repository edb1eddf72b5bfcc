/**
 * The hub's registry, its subscription buffers and its wire messages. Internal to communica: not
 * for use outside this project, and without any compatibility promise between versions.
 */
@NullMarked
package io.communica.hub.internal;

import org.jspecify.annotations.NullMarked;
